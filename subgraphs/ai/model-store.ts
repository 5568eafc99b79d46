// The only place that touches ai.models.
import type { Prisma, PrismaClient } from '../../lib/db.js';
import type { SealedSecret } from '../../lib/crypto/envelope.js';
import type { AiModel } from '../../lib/generated/prisma/client.js';

export type { AiModel };

export type ModelWrite = Omit<Prisma.AiModelUncheckedCreateInput, 'id' | 'createdAt' | 'updatedAt'>;

/** The sealed-key columns of a row, as the envelope module reads and writes them. */
export function sealedKeyOf(model: AiModel): SealedSecret | null {
  if (!model.keyCiphertext || !model.keyIv || !model.keyAuthTag || !model.keyWrapped || !model.keyWrapIv || !model.keyWrapTag || !model.keyKekId) return null;
  return {
    ciphertext: model.keyCiphertext,
    iv: model.keyIv,
    authTag: model.keyAuthTag,
    wrappedKey: model.keyWrapped,
    wrapIv: model.keyWrapIv,
    wrapTag: model.keyWrapTag,
    kekId: model.keyKekId,
  } as SealedSecret;
}

export function sealedKeyColumns(sealed: SealedSecret | null, hint: string | null) {
  return {
    keyHint: hint,
    keyCiphertext: sealed?.ciphertext ?? null,
    keyIv: sealed?.iv ?? null,
    keyAuthTag: sealed?.authTag ?? null,
    keyWrapped: sealed?.wrappedKey ?? null,
    keyWrapIv: sealed?.wrapIv ?? null,
    keyWrapTag: sealed?.wrapTag ?? null,
    keyKekId: sealed?.kekId ?? null,
  };
}

export class ModelStore {
  constructor(private readonly prisma: PrismaClient) {}

  findById(id: string): Promise<AiModel | null> {
    return this.prisma.aiModel.findUnique({ where: { id } });
  }

  findByIds(ids: readonly string[]): Promise<AiModel[]> {
    return this.prisma.aiModel.findMany({ where: { id: { in: [...ids] } } });
  }

  /** Platform models plus the given owner's own, in a stable order (defaults first). */
  visibleTo(ownerId: string | null, filter: { enabledOnly: boolean; capability?: string }): Promise<AiModel[]> {
    return this.prisma.aiModel.findMany({
      where: {
        OR: [{ ownerId: null }, ...(ownerId ? [{ ownerId }] : [])],
        ...(filter.enabledOnly && { enabled: true }),
        ...(filter.capability && { capabilities: { has: filter.capability } }),
      },
      orderBy: [{ isDefault: 'desc' }, { ownerId: { sort: 'asc', nulls: 'first' } }, { name: 'asc' }],
    });
  }

  /** Same name in the same scope (platform, or one owner's own models). */
  findByName(ownerId: string | null, name: string): Promise<AiModel | null> {
    return this.prisma.aiModel.findFirst({ where: { ownerId, name } });
  }

  /** Creates (or updates) a model; making it the default clears the flag on the others of its scope in the same transaction. */
  async save(id: string, data: ModelWrite, existing: boolean): Promise<AiModel> {
    return this.prisma.$transaction(async (tx) => {
      if (data.isDefault) await tx.aiModel.updateMany({ where: { ownerId: data.ownerId ?? null, isDefault: true, id: { not: id } }, data: { isDefault: false } });
      return existing ? tx.aiModel.update({ where: { id }, data }) : tx.aiModel.create({ data: { ...data, id } });
    });
  }

  /** Models whose key is wrapped under another key-encryption key (for `npm run keys:rotate`). */
  keysNotUnder(kekId: string): Promise<AiModel[]> {
    return this.prisma.aiModel.findMany({ where: { keyKekId: { not: null }, NOT: { keyKekId: kekId } } });
  }

  /** Replaces the wrapped data key, only if the row is still under `fromKekId` (a concurrent rotation is noticed). */
  async updateWrap(id: string, sealed: SealedSecret, fromKekId: string): Promise<boolean> {
    const { count } = await this.prisma.aiModel.updateMany({
      where: { id, keyKekId: fromKekId },
      data: { keyWrapped: sealed.wrappedKey, keyWrapIv: sealed.wrapIv, keyWrapTag: sealed.wrapTag, keyKekId: sealed.kekId },
    });
    return count > 0;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.prisma.aiModel.deleteMany({ where: { id } })).count > 0;
  }
}
