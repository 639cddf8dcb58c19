import type { Translation, TranslationPreview } from '../api/translation';
import type { User } from '../api/users';

/** Who made a translation, as History shows it; the signed-in user's own are marked "(you)". */
export function ownerName(
  translation: Pick<Translation | TranslationPreview, 'userId' | 'owner'>,
  user: User | undefined,
): string {
  const name = translation.owner ?? 'unknown';
  return user && translation.userId !== null && translation.userId === user.id ? `${name} (you)` : name;
}
