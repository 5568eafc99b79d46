// The only place that touches users.api_keys. Reads leave the sealed columns out unless the method
// exists to hand them to the envelope (findForUse, rotation batches).
import type { SealedSecret } from '../../lib/crypto/envelope.js';
import { Prisma, type PrismaClient } from '../../lib/db.js';

const PUBLIC_COLUMNS = {
  id: true,
  userId: true,
  provider: true,
  label: true,
  hint: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.ApiKeySelect;

const SEALED_COLUMNS = {
  ciphertext: true,
  iv: true,
  authTag: true,
  wrappedKey: true,
  wrapIv: true,
  wrapTag: true,
  kekId: true,
} as const satisfies Prisma.ApiKeySelect;

/** A row without anything sealed: safe to map into API responses. */
export type ApiKeyRecord = Prisma.ApiKeyGetPayload<{ select: typeof PUBLIC_COLUMNS }>;
/** A row with its sealed columns: for the envelope only. */
export type SealedApiKeyRecord = ApiKeyRecord & SealedSecret;
export type WrapColumns = Pick<SealedSecret, 'wrappedKey' | 'wrapIv' | 'wrapTag' | 'kekId'>;

export class ApiKeyStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** `id` is chosen by the caller because the sealed data is bound to it. */
  create(data: { id: string; userId: string; provider: string; label: string; hint: string; sealed: SealedSecret }): Promise<ApiKeyRecord> {
    const { sealed, ...rest } = data;
    return this.prisma.apiKey.create({ data: { ...rest, ...sealed }, select: PUBLIC_COLUMNS });
  }

  listByUser(userId: string): Promise<ApiKeyRecord[]> {
    return this.prisma.apiKey.findMany({ where: { userId }, select: PUBLIC_COLUMNS, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  findForUse(id: string): Promise<SealedApiKeyRecord | null> {
    return this.prisma.apiKey.findUnique({ where: { id }, select: { ...PUBLIC_COLUMNS, ...SEALED_COLUMNS } });
  }

  /** Deletes the key only if `userId` owns it, in one statement; null when there was no such key. */
  async delete(id: string, userId: string): Promise<ApiKeyRecord | null> {
    try {
      return await this.prisma.apiKey.delete({ where: { id, userId }, select: PUBLIC_COLUMNS });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') return null;
      throw error;
    }
  }

  countUnderKek(kekId: string): Promise<number> {
    return this.prisma.apiKey.count({ where: { kekId } });
  }

  /**
   * Yields sealed rows not wrapped by `kekId`, `size` at a time, in id order. Keyset pagination, so
   * rows re-wrapped meanwhile drop out and rows that failed are not fetched again.
   */
  async *batchesNotUnderKek(kekId: string, size = 100): AsyncGenerator<SealedApiKeyRecord[]> {
    let after: string | undefined;
    for (;;) {
      const batch = await this.prisma.apiKey.findMany({
        where: { kekId: { not: kekId }, ...(after ? { id: { gt: after } } : {}) },
        select: { ...PUBLIC_COLUMNS, ...SEALED_COLUMNS },
        orderBy: { id: 'asc' },
        take: size,
      });
      if (batch.length === 0) return;
      yield batch;
      after = batch[batch.length - 1]!.id;
      if (batch.length < size) return;
    }
  }

  /**
   * Replaces a row's wrapped data key in one statement. With `expectedKekId`, only while the row is
   * still wrapped by that KEK, so two concurrent rotations cannot overwrite each other; false when
   * nothing was updated.
   */
  async updateWrap(id: string, wrap: WrapColumns, expectedKekId?: string): Promise<boolean> {
    const { count } = await this.prisma.apiKey.updateMany({
      where: { id, ...(expectedKekId === undefined ? {} : { kekId: expectedKekId }) },
      data: { wrappedKey: wrap.wrappedKey, wrapIv: wrap.wrapIv, wrapTag: wrap.wrapTag, kekId: wrap.kekId },
    });
    return count === 1;
  }

  /** The current KEK id of a row, or null when it is gone. */
  async kekIdOf(id: string): Promise<string | null> {
    const row = await this.prisma.apiKey.findUnique({ where: { id }, select: { kekId: true } });
    return row?.kekId ?? null;
  }
}
