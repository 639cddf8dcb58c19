/**
 * The translation service's contract: every request and response it sends, as TypeBox schemas.
 * kit closes request objects (unknown properties are refused) and adds the problem responses;
 * responses are serialised from these, so a field missing here is never sent.
 */
import { Page, pageQuery, type ProblemDocument, ProblemSchema, Type } from '@flotilla/kit';
import { REFUSAL_REASONS } from '../console/guard.js';
import { PREVIEW_CHARS } from '../domain/history.js';
import { MAX_TEXT_CHARS } from '../domain/translate.js';

type TSchema = Parameters<typeof Page>[0];

export const TranslateBody = Type.Object({
  text_de: Type.String({
    minLength: 1,
    maxLength: MAX_TEXT_CHARS,
    description: `German text, up to ${MAX_TEXT_CHARS} characters; paragraphs and line breaks are kept`,
  }),
});

const Engine = Type.String({ description: 'bergamot (neural) or dictionary (fallback gloss)' });

export const TranslationResult = Type.Object(
  {
    id: Type.Integer(),
    text_en: Type.String(),
    engine: Engine,
    chars: Type.Integer({ description: 'characters (code points) of text_de' }),
    ms: Type.Integer({ description: 'translation time' }),
  },
  { description: 'The stored translation (note 000’s field names)' },
);

const translationFields = {
  id: Type.Integer(),
  text_de: Type.String(),
  text_en: Type.String(),
  engine: Engine,
  chars: Type.Integer({ description: 'characters (code points) of text_de' }),
  ms: Type.Integer({ description: 'translation time' }),
  userId: Type.Union([Type.Integer(), Type.Null()], { description: 'who asked for it (null: unknown)' }),
  owner: Type.Union([Type.String(), Type.Null()], { description: 'their username then' }),
  createdAt: Type.String({ format: 'date-time' }),
};

export const SentencePair = Type.Object({
  de: Type.String(),
  en: Type.String(),
  startsParagraph: Type.Boolean({ description: 'a blank line comes before it' }),
});

export const Translation = Type.Object(
  {
    ...translationFields,
    sentences: Type.Array(SentencePair, {
      description:
        'the texts paired sentence by sentence, as they were translated (a line whose English the service cannot cut into its sentences is one pair; texts that do not line up are one pair)',
    }),
  },
  { description: 'A stored translation, texts whole' },
);

export const TranslationSummary = Type.Object(
  {
    ...translationFields,
    truncated: Type.Boolean({
      description: `texts are cut to their first ${PREVIEW_CHARS} characters; GET /translations/{id} has them whole`,
    }),
  },
  { description: 'A stored translation in a list' },
);

export const TranslationPage = Page(TranslationSummary, 'Stored translations, newest first');

export const ListQuery = Type.Object({
  q: Type.Optional(
    Type.String({
      maxLength: 500,
      description: 'full-text search over both texts: words, "phrases", -excluded, or',
    }),
  ),
  ...pageQuery({ defaultLimit: 20, maxLimit: 100 }),
});

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

export const Deleted = Type.Null({ description: 'Deleted' });

export const EngineInfo = Type.Object({
  name: Type.String({ description: 'bergamot, dictionary, unavailable, or loading' }),
  kind: Type.String({ description: 'neural, fallback, none, or loading' }),
  ready: Type.Boolean(),
  reason: Type.String({ description: 'what the engine is, or why there is none and how to fix that' }),
  download: Type.Union(
    [
      Type.Object({
        what: Type.String({ description: '`neural model` or `dictionary`' }),
        receivedBytes: Type.Integer({ minimum: 0 }),
        totalBytes: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'null until known' }),
      }),
      Type.Null(),
    ],
    {
      description:
        'the first start downloading a missing engine in the background (the service switches to it when verified), or null',
    },
  ),
  workers: Type.Optional(
    Type.Array(
      Type.Object({
        id: Type.Integer({ minimum: 0 }),
        state: Type.Union(
          [Type.Literal('starting'), Type.Literal('idle'), Type.Literal('busy'), Type.Literal('stopped')],
          { description: 'busy: translating a batch; stopped: its replacement failed too' },
        ),
        batches: Type.Integer({ minimum: 0, description: 'worker calls since the engine loaded (batches, merged across requests)' }),
        sentences: Type.Integer({ minimum: 0, description: 'sentences in those calls' }),
        restarts: Type.Integer({ minimum: 0, description: 'times replaced after missing its deadline or crashing' }),
        wasmBytes: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
          description: 'its WebAssembly memory after its last call (model, workspace, buffers); null when stopped',
        }),
        heapBytes: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
          description: "its thread's V8 heap in use after its last call; null when stopped",
        }),
      }),
      { description: 'the neural engine\'s worker threads (TRANSLATION_WORKERS); absent for the other engines' },
    ),
  ),
  maxChars: Type.Integer({
    description: `the longest text_de accepted by POST /translate and /translate/stream (${MAX_TEXT_CHARS} characters)`,
  }),
});

export const SqlBody = Type.Object({
  query: Type.String({ minLength: 1, maxLength: 100_000, description: 'one SELECT over translations' }),
});

export const SqlResult = Type.Object({
  columns: Type.Array(
    Type.Object({
      name: Type.String(),
      type: Type.Optional(Type.Integer({ description: 'PostgreSQL type OID' })),
    }),
  ),
  rows: Type.Array(Type.Array(Type.Unknown()), { description: 'values as JSON carries them, by column' }),
  rowCount: Type.Integer(),
  truncated: Type.Boolean({ description: 'there were more rows than the console answers (1,000 or 8 MB)' }),
  ms: Type.Integer(),
});

export const SqlSchema = Type.Object(
  {
    tables: Type.Array(
      Type.Object({
        name: Type.String(),
        columns: Type.Array(
          Type.Object({
            name: Type.String(),
            type: Type.String({ description: 'as PostgreSQL writes it: bigint, text, timestamp with time zone, …' }),
            nullable: Type.Boolean(),
            description: Type.Union([Type.String(), Type.Null()], { description: 'the column’s comment' }),
          }),
        ),
      }),
      { description: 'the tables the console may read, columns in table order, from the catalog' },
    ),
    examples: Type.Array(Type.Object({ title: Type.String(), query: Type.String() })),
  },
  { description: 'What the SQL console can read, and example queries' },
);

const Reason = Type.Union(
  REFUSAL_REASONS.map((reason) => Type.Literal(reason)),
  { description: 'which of the console\'s safety layers refused the query, and why' },
);

/** A console refusal: a problem with a `reason` member (absent when the schema or the role refused). */
function consoleRefusal(description: string, reason: 'required' | 'optional') {
  return Type.Object(
    { ...ProblemSchema.properties, reason: reason === 'required' ? Reason : Type.Optional(Reason) },
    { additionalProperties: true, description },
  );
}

export const SqlRefusals = {
  400: consoleRefusal(
    'Not one valid query: `reason` syntax, empty, multiple-statements, too-complex, parameter or query-error (`errors` names `body.query`)',
    'optional',
  ),
  403: consoleRefusal(
    'Not a read of translations (`reason`: not-a-query, function-denied, relation-denied, …), or signed in without the admin role',
    'optional',
  ),
  422: consoleRefusal('Stopped by the console’s limits: `reason` timeout or too-large', 'required'),
};

export const StreamProgress = Type.Object({
  sentencesDone: Type.Integer({ minimum: 0 }),
  sentencesTotal: Type.Integer({ minimum: 0 }),
});

export const StreamText = Type.Object({
  text: Type.String({ description: 'the next piece of text_en: appended in order, they give it exactly' }),
});

const Problem = Type.Unsafe<ProblemDocument>({ $ref: 'Problem#' });

/**
 * A `text/event-stream` response in kit's vocabulary, described event by event (`event:` the
 * name, `data:` its JSON): the stream's own events, then `done` with the result or `error` with
 * a problem document.
 */
function eventStream(events: Record<string, TSchema>, done: TSchema, description: string) {
  const event = (name: string, data: TSchema) =>
    Type.Object({ event: Type.Literal(name), data }, { additionalProperties: false });
  return {
    description,
    content: {
      'text/event-stream': {
        schema: Type.Union(
          [
            ...Object.entries(events).map(([name, data]) => event(name, data)),
            event('done', done),
            event('error', Problem),
          ],
          { description: 'One server-sent event' },
        ),
      },
    },
  };
}

export const TranslationStream = eventStream(
  { progress: StreamProgress, text: StreamText },
  TranslationResult,
  '`progress` (first 0 of the total), `text` pieces as sentences are translated, then `done` with ' +
    'the stored translation, or `error` with a problem document',
);
