import { DeckStateCache, type KnownDeck } from './deck-state-cache.js';

const known = (revision: number, bytes: number): KnownDeck => ({ revision, logFloor: 0, bytes, state: { fields: { title: 't', theme: {}, width: 1000, height: 562.5 }, fieldClock: {}, slides: [] } });

describe('DeckStateCache', () => {
  it('hands a deck out once: taken is gone until put back', () => {
    const cache = new DeckStateCache(1000);
    cache.put('a', known(3, 10));
    expect(cache.take('a')?.revision).toBe(3);
    expect(cache.take('a')).toBeNull();
    expect(cache.size).toEqual({ decks: 0, bytes: 0 });
  });

  it('keeps within its byte budget by forgetting the least recently used deck, and refuses a deck larger than the budget', () => {
    const cache = new DeckStateCache(100);
    cache.put('a', known(1, 40));
    cache.put('b', known(1, 40));
    cache.put('a', cache.take('a')!); // a is now the most recently used
    cache.put('c', known(1, 40));
    expect(cache.take('b')).toBeNull();
    expect(cache.size).toEqual({ decks: 2, bytes: 80 });
    cache.put('huge', known(1, 101));
    expect(cache.take('huge')).toBeNull();
    expect(cache.size.bytes).toBe(80);
    cache.drop('a');
    expect(cache.size).toEqual({ decks: 1, bytes: 40 });
  });

  it('runs work on one deck one at a time, in order, past failures; other decks do not wait', async () => {
    const cache = new DeckStateCache();
    const log: string[] = [];
    let releaseFirst!: () => void;
    const first = cache.inTurn('a', async () => {
      log.push('a1 start');
      await new Promise<void>((resolve) => (releaseFirst = resolve));
      log.push('a1 end');
      throw new Error('a1 failed');
    });
    const second = cache.inTurn('a', async () => {
      log.push('a2');
      return 2;
    });
    const other = cache.inTurn('b', async () => {
      log.push('b1');
      return 'b';
    });
    await expect(other).resolves.toBe('b');
    expect(log).toEqual(['a1 start', 'b1']);
    releaseFirst();
    await expect(first).rejects.toThrow('a1 failed');
    await expect(second).resolves.toBe(2);
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
  });
});
