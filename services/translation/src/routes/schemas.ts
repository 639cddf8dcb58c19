import { Type } from '@flotilla/kit';
import { MAX_TEXT_CHARS } from '../domain/translate.js';

export const TranslateBody = Type.Object({
  text_de: Type.String({
    minLength: 1,
    maxLength: MAX_TEXT_CHARS,
    description: `German text, up to ${MAX_TEXT_CHARS} characters; paragraphs and line breaks are kept`,
  }),
});

export const TranslationResult = Type.Object({
  id: Type.Integer(),
  text_en: Type.String(),
  engine: Type.String({ description: 'bergamot (neural) or dictionary (fallback gloss)' }),
  chars: Type.Integer({ description: 'characters of text_de' }),
  ms: Type.Integer({ description: 'translation time' }),
});

const translationFields = {
  id: Type.Integer(),
  text_de: Type.String(),
  text_en: Type.String(),
  engine: Type.String(),
  chars: Type.Integer(),
  ms: Type.Integer(),
  userId: Type.Union([Type.Integer(), Type.Null()]),
  owner: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
};

export const Translation = Type.Object(translationFields);

export const TranslationSummary = Type.Object({
  ...translationFields,
  truncated: Type.Boolean({
    description: 'texts are cut to a preview; GET /translations/{id} has them whole',
  }),
});

export const TranslationList = Type.Object({
  items: Type.Array(TranslationSummary),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const ListQuery = Type.Object({
  q: Type.Optional(
    Type.String({
      maxLength: 500,
      description: 'full-text search over both texts: words, "phrases", -excluded, or',
    }),
  ),
  cursor: Type.Optional(
    Type.String({ pattern: '^[1-9][0-9]{0,15}$', description: 'nextCursor of the previous page' }),
  ),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
});

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

export const EngineInfo = Type.Object({
  name: Type.String({ description: 'bergamot, dictionary, unavailable, or loading' }),
  kind: Type.String({ description: 'neural, fallback, none, or loading' }),
  ready: Type.Boolean(),
  reason: Type.String({ description: 'what the engine is, or why there is none and how to fix that' }),
});

export const SqlBody = Type.Object({
  query: Type.String({ minLength: 1, maxLength: 100_000, description: 'one SELECT over translations' }),
});

export const SqlResult = Type.Object({
  columns: Type.Array(Type.Object({ name: Type.String(), type: Type.Optional(Type.Integer()) })),
  rows: Type.Array(Type.Array(Type.Unknown())),
  rowCount: Type.Integer(),
  truncated: Type.Boolean(),
  ms: Type.Integer(),
});
