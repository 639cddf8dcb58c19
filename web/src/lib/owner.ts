import type { Translation, TranslationPreview } from '../api/translation';
import { hasRole, type User } from '../api/users';

/**
 * Whether `user` may delete `translation`, as the translation service decides: admins always,
 * others only their own (`userId`; null for translations made before owners were recorded, which
 * only an admin may delete).
 */
export function canDelete(translation: Pick<Translation | TranslationPreview, 'userId'>, user: User | undefined): boolean {
  if (!user) return false;
  if (hasRole(user, 'admin')) return true;
  return translation.userId !== null && translation.userId === user.id;
}

/** The first `length` characters on one line, for list previews. */
export function preview(text: string, length = 140): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}
