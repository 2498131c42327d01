package io.consolidb.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The node-local tier: a Caffeine cache bounded to {@code maxEntries} with a TTL per entry, and
 * a tag → keys index. Thread-safe: the query path reads it from other verticles' threads (see
 * {@link NodeCache}).
 *
 * <p>The tag index may hold keys that are no longer cached (evicted or expired); that only costs
 * a no-op removal at invalidation time, and {@link #pruneTag} trims it. It never misses a
 * cached key: a key joins its tags' sets before its entry becomes visible.
 */
final class LocalTier {

  /**
   * A cached value (never mutated once stored), its JSON size and tags; {@code keepNanos}: how long
   * the tier keeps it (its TTL, plus the time it may be served stale); when it was loaded from the
   * database and until when it is fresh (epoch milliseconds, comparable across nodes through Redis).
   */
  record Entry(Object value, int bytes, List<String> tags, long keepNanos, long storedAtMillis,
      long freshUntilMillis) {

    /** An entry fresh for its whole stay (nothing stale is kept). */
    Entry(Object value, int bytes, List<String> tags, long ttlNanos) {
      this(value, bytes, tags, ttlNanos, System.currentTimeMillis(), Long.MAX_VALUE);
    }

    /** True while within its TTL at {@code nowMillis}. */
    boolean fresh(long nowMillis) {
      return nowMillis < freshUntilMillis;
    }
  }

  private final Cache<String, Entry> cache;
  private final ConcurrentHashMap<String, Set<String>> tagIndex = new ConcurrentHashMap<>();
  private final AtomicLong bytes = new AtomicLong();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder expirations = new LongAdder();
  private final int maxEntries;

  /**
   * Bounded both by count and by size: every entry weighs its encoded size but at least
   * {@code maxBytes / maxEntries}, so neither more than {@code maxEntries} entries nor more than
   * {@code maxBytes} bytes fit. A count alone let large values (a 20-row result is ~12 KB of JSON
   * and several times that parsed) exhaust a small heap. {@code Long.MAX_VALUE}: bounded by count only.
   */
  LocalTier(int maxEntries, long maxBytes) {
    this.maxEntries = maxEntries;
    long weightLimit = maxBytes == Long.MAX_VALUE ? maxEntries : maxBytes;
    int floor = maxBytes == Long.MAX_VALUE ? 1 : (int) Math.max(1, maxBytes / maxEntries);
    boolean byCount = maxBytes == Long.MAX_VALUE;
    this.cache = Caffeine.newBuilder()
        .maximumWeight(weightLimit)
        .weigher((String key, Entry entry) -> byCount ? 1 : Math.max(floor, entry.bytes()))
        .expireAfter(Expiry.creating((String key, Entry entry) -> Duration.ofNanos(entry.keepNanos())))
        // prompt expiry instead of on the next access
        .scheduler(Scheduler.systemScheduler())
        // bookkeeping only: run it where the removal happens, no pool hop
        .executor(Runnable::run)
        .removalListener((String key, Entry entry, RemovalCause cause) -> {
          if (entry != null) {
            bytes.addAndGet(-entry.bytes());
          }
          if (cause == RemovalCause.EXPIRED) {
            expirations.increment();
          } else if (cause == RemovalCause.SIZE) {
            evictions.increment();
          }
        })
        .build();
  }

  Entry get(String key) {
    return cache.getIfPresent(key);
  }

  /** The entry without touching the eviction policy or the statistics (warming, tools). */
  Entry peek(String key) {
    return cache.policy().getIfPresentQuietly(key);
  }

  /** Stores an entry; the caller guarantees no invalidation runs concurrently (NodeCache's lock). */
  void put(String key, Entry entry) {
    for (String tag : entry.tags()) {
      tagIndex.computeIfAbsent(tag, t -> ConcurrentHashMap.newKeySet()).add(key);
    }
    bytes.addAndGet(entry.bytes());
    cache.put(key, entry);
  }

  int removeKeys(Collection<String> keys) {
    int n = 0;
    for (String key : keys) {
      if (cache.asMap().remove(key) != null) {
        n++;
      }
    }
    return n;
  }

  /** Drops the keys {@code glob} matches, as SCAN MATCH would find them in Redis. */
  int removeMatching(String glob) {
    return removeKeys(keysMatching(Glob.compile(glob)));
  }

  /**
   * The cached keys {@code glob} matches (a snapshot of the keys present when it starts), for
   * {@link #removeKeys}. Takes no lock: a caller that must not miss a key filled concurrently
   * fences fills before it takes the snapshot.
   */
  List<String> keysMatching(Glob glob) {
    List<String> matching = new ArrayList<>();
    for (String key : cache.asMap().keySet()) {
      if (glob.matches(key)) {
        matching.add(key);
      }
    }
    return matching;
  }

  int removeTagged(Collection<String> tags) {
    int n = 0;
    for (String tag : tags) {
      Set<String> keys = tagIndex.remove(tag);
      if (keys == null) {
        continue;
      }
      for (String key : keys) {
        // only if still tagged so: the key may have been refilled with other tags meanwhile
        boolean[] removed = {false};
        cache.asMap().computeIfPresent(key, (k, entry) -> {
          if (entry.tags().contains(tag)) {
            removed[0] = true;
            return null;
          }
          return entry;
        });
        if (removed[0]) {
          n++;
        }
      }
    }
    return n;
  }

  /** Drops everything; returns how many entries there were. */
  long clear() {
    long n = cache.estimatedSize();
    cache.invalidateAll();
    tagIndex.clear();
    return n;
  }

  /** The tags the index holds now (a snapshot), for {@link #pruneTag} one at a time. */
  List<String> indexedTags() {
    return List.copyOf(tagIndex.keySet());
  }

  /** Removes keys of {@code tag} that are no longer cached under it (periodic housekeeping). */
  void pruneTag(String tag) {
    tagIndex.computeIfPresent(tag, (t, keys) -> {
      keys.removeIf(key -> {
        Entry entry = cache.getIfPresent(key);
        return entry == null || !entry.tags().contains(tag);
      });
      return keys.isEmpty() ? null : keys;
    });
  }

  long entries() {
    return cache.estimatedSize();
  }

  long bytes() {
    return Math.max(0, bytes.get());
  }

  long evictions() {
    return evictions.sum();
  }

  long expirations() {
    return expirations.sum();
  }

  int maxEntries() {
    return maxEntries;
  }

  void cleanUp() {
    cache.cleanUp();
  }
}
