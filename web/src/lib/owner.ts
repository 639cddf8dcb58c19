import type { Translation } from '../api/translation';
import type { User } from '../api/users';

/**
 * Whether `user` may delete `translation`: admins always; others when it is theirs. When the
 * service does not say whose it is, the button is offered and the API decides.
 */
export function canDelete(translation: Translation, user: User | undefined): boolean {
  if (!user) return false;
  if (user.roles.includes('admin')) return true;
  const ownerId = translation.userId ?? translation.user_id;
  if (ownerId !== undefined && ownerId !== null) return String(ownerId) === String(user.id);
  const ownerName = translation.owner ?? translation.username;
  if (ownerName) return ownerName.toLowerCase() === user.username.toLowerCase();
  return true;
}

export const createdAt = (translation: Translation) => translation.createdAt ?? translation.created_at;

/** The first `length` characters on one line, for list previews. */
export function preview(text: string | undefined, length = 140): string {
  const flat = (text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}
