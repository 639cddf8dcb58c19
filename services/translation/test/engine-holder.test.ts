import { describe, expect, it } from 'vitest';
import { EngineHolder } from '../src/domain/engine-holder.js';
import { UnavailableEngine } from '../src/engines/select.js';
import type { TranslationEngine } from '../src/engines/types.js';

/** An engine that records whether it was closed. */
function engine(name: TranslationEngine['name'], kind: TranslationEngine['kind'], ready = true) {
  const state = { closed: false };
  const it: TranslationEngine = {
    name,
    kind,
    status: () => ({ ready, reason: `${name} test engine` }),
    translateBatch: async (sentences) => sentences,
    close: async () => {
      state.closed = true;
    },
  };
  return Object.assign(it, { state });
}

/** A holder whose loads hand out these engines in turn. */
function holderOf(...engines: TranslationEngine[]) {
  let calls = 0;
  const holder = new EngineHolder(async () => {
    const next = engines[calls++];
    if (!next) throw new Error('no more engines');
    return next;
  });
  return { holder, loads: () => calls };
}

describe('EngineHolder.reselect', () => {
  it('switches to a ready engine, closing the old one only after the translation that holds it', async () => {
    const old = engine('dictionary', 'fallback');
    const neural = engine('bergamot', 'neural');
    const { holder } = holderOf(old, neural);
    await holder.start();
    const lease = holder.lease();
    expect(await holder.reselect()).toBe(true);
    expect(holder.info().name).toBe('bergamot');
    expect(holder.current()).toBe(neural);
    // The translation under way still has its engine, open.
    expect(lease.engine).toBe(old);
    expect(old.state.closed).toBe(false);
    lease.release();
    await Promise.resolve();
    expect(old.state.closed).toBe(true);
  });

  it('switches from no engine at all to the one that arrived', async () => {
    const none = new UnavailableEngine('nothing installed');
    const dictionary = engine('dictionary', 'fallback');
    const { holder } = holderOf(none, dictionary);
    await holder.start();
    expect(await holder.reselect()).toBe(true);
    expect(holder.info()).toMatchObject({ name: 'dictionary', ready: true });
  });

  it('keeps a ready engine when the new selection cannot translate, and closes the candidate', async () => {
    const dictionary = engine('dictionary', 'fallback');
    const broken = engine('bergamot', 'neural', false);
    const { holder } = holderOf(dictionary, broken);
    await holder.start();
    expect(await holder.reselect()).toBe(false);
    expect(holder.current()).toBe(dictionary);
    expect(broken.state.closed).toBe(true);
  });

  it('loads nothing while the neural engine runs', async () => {
    const neural = engine('bergamot', 'neural');
    const { holder, loads } = holderOf(neural, engine('dictionary', 'fallback'));
    await holder.start();
    expect(await holder.reselect()).toBe(false);
    expect(loads()).toBe(1);
    expect(holder.current()).toBe(neural);
  });

  it('closes every engine it holds on close, the retired ones too', async () => {
    const old = engine('dictionary', 'fallback');
    const neural = engine('bergamot', 'neural');
    const { holder } = holderOf(old, neural);
    await holder.start();
    holder.lease();
    await holder.reselect();
    await holder.close();
    expect(old.state.closed && neural.state.closed).toBe(true);
  });
});
