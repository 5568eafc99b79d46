// The only place that touches users.user_preferences.
import type { PrismaClient } from '../../lib/db.js';
import type { UserPreferences } from '../../lib/generated/prisma/client.js';

export type { UserPreferences };
export type PreferencesPatch = Partial<Pick<UserPreferences, 'language' | 'defaultModel' | 'defaultTemplate' | 'defaultStyle'>>;

export class PreferencesStore {
  constructor(private readonly prisma: PrismaClient) {}

  findByUserIds(userIds: readonly string[]): Promise<UserPreferences[]> {
    return this.prisma.userPreferences.findMany({ where: { userId: { in: [...userIds] } } });
  }

  /**
   * Applies the patch in one statement, bumping the version. With `expectedVersion`, nothing is
   * written unless the stored version still matches (returns null then).
   */
  async update(userId: string, patch: PreferencesPatch, expectedVersion?: number): Promise<UserPreferences | null> {
    return this.prisma.$transaction(async (tx) => {
      await tx.userPreferences.upsert({ where: { userId }, create: { userId }, update: {} });
      const updated = await tx.userPreferences.updateMany({
        where: { userId, ...(expectedVersion !== undefined && { version: expectedVersion }) },
        data: { ...patch, version: { increment: 1 } },
      });
      if (updated.count !== 1) return null;
      return tx.userPreferences.findUniqueOrThrow({ where: { userId } });
    });
  }
}
