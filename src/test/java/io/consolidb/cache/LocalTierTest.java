package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LocalTierTest {

  private static final long TTL = TimeUnit.MINUTES.toNanos(5);

  private static LocalTier.Entry entry(int bytes) {
    return new LocalTier.Entry(new Object(), bytes, List.of("t"), TTL);
  }

  @Test
  void put_largeValues_boundedByBytes() {
    LocalTier tier = new LocalTier(10_000, 100_000);
    for (int i = 0; i < 200; i++) {
      tier.put("k" + i, entry(10_000));
    }
    tier.cleanUp();
    assertThat(tier.bytes()).isLessThanOrEqualTo(100_000);
    assertThat(tier.entries()).isLessThanOrEqualTo(10);
    assertThat(tier.evictions()).isGreaterThanOrEqualTo(190);
  }

  @Test
  void put_smallValues_boundedByCount() {
    LocalTier tier = new LocalTier(50, 1_000_000);
    for (int i = 0; i < 500; i++) {
      tier.put("k" + i, entry(10));
    }
    tier.cleanUp();
    assertThat(tier.entries()).isLessThanOrEqualTo(50);
  }

  @Test
  void put_countOnly_whenNoByteLimit() {
    LocalTier tier = new LocalTier(20, Long.MAX_VALUE);
    for (int i = 0; i < 100; i++) {
      tier.put("k" + i, entry(1_000_000));
    }
    tier.cleanUp();
    assertThat(tier.entries()).isLessThanOrEqualTo(20);
  }

  @Test
  void removeMatching_dropsOnlyTheKeysTheGlobMatches() {
    LocalTier tier = new LocalTier(100, Long.MAX_VALUE);
    for (String key : List.of("restaurants:id:1", "restaurants:id:2", "restaurants:near:1", "users:1")) {
      tier.put(key, entry(10));
    }
    assertThat(tier.removeMatching("restaurants:id:*")).isEqualTo(2);
    assertThat(tier.get("restaurants:id:1")).isNull();
    assertThat(tier.get("restaurants:id:2")).isNull();
    assertThat(tier.get("restaurants:near:1")).isNotNull();
    assertThat(tier.get("users:1")).isNotNull();
  }

  @Test
  void keysMatching_listsWithoutRemoving() {
    LocalTier tier = new LocalTier(100, Long.MAX_VALUE);
    for (String key : List.of("id:1", "id:2", "id:3", "name:1")) {
      tier.put(key, entry(10));
    }
    List<String> matching = tier.keysMatching(Glob.compile("id:[^2]"));
    assertThat(matching).containsExactlyInAnyOrder("id:1", "id:3");
    assertThat(tier.entries()).isEqualTo(4);
    assertThat(tier.removeKeys(matching)).isEqualTo(2);
    assertThat(tier.get("id:2")).isNotNull();
  }

  private static LocalTier.Entry tagged(String... tags) {
    return new LocalTier.Entry(new Object(), 10, List.of(tags), TTL);
  }

  @Test
  void removeTagged_dropsOnlyKeysStillUnderTheTag() {
    LocalTier tier = new LocalTier(100, Long.MAX_VALUE);
    tier.put("a", tagged("restaurants"));
    tier.put("b", tagged("restaurants", "users"));
    tier.put("c", tagged("users"));
    // refilled under another tag since: the index still lists it under restaurants
    tier.put("d", tagged("restaurants"));
    tier.put("d", tagged("events"));
    assertThat(tier.removeTagged(List.of("restaurants", "unknown"))).isEqualTo(2);
    assertThat(tier.get("a")).isNull();
    assertThat(tier.get("b")).isNull();
    assertThat(tier.get("c")).isNotNull();
    assertThat(tier.get("d")).as("refilled under events only").isNotNull();
    assertThat(tier.indexedTags()).containsExactlyInAnyOrder("users", "events");
  }

  @Test
  void pruneTag_forgetsKeysNoLongerUnderIt_andTheTagOnceEmpty() {
    LocalTier tier = new LocalTier(100, Long.MAX_VALUE);
    tier.put("a", tagged("t"));
    tier.put("b", tagged("t"));
    tier.put("b", tagged("other"));
    tier.removeKeys(List.of("a"));
    tier.put("c", tagged("t"));
    tier.pruneTag("t");
    assertThat(tier.indexedTags()).containsExactlyInAnyOrder("t", "other");
    // only c is still under t: removing the tag removes it alone
    assertThat(tier.removeTagged(List.of("t"))).isEqualTo(1);
    tier.put("e", tagged("gone"));
    tier.removeKeys(List.of("e"));
    tier.pruneTag("gone");
    tier.pruneTag("never-indexed");
    assertThat(tier.indexedTags()).containsExactly("other");
  }

  @Test
  void peek_readsWithoutCountingAsAUse() {
    LocalTier tier = new LocalTier(100, Long.MAX_VALUE);
    LocalTier.Entry stored = tagged("t");
    tier.put("k", stored);
    assertThat(tier.peek("k")).isSameAs(stored);
    assertThat(tier.peek("missing")).isNull();
  }

  @Test
  void clear_dropsEntriesAndTags_andCountsThem() {
    LocalTier tier = new LocalTier(100, Long.MAX_VALUE);
    tier.put("a", tagged("t"));
    tier.put("b", tagged("u"));
    assertThat(tier.bytes()).isEqualTo(20);
    assertThat(tier.clear()).isEqualTo(2);
    assertThat(tier.get("a")).isNull();
    assertThat(tier.indexedTags()).isEmpty();
    tier.cleanUp();
    assertThat(tier.entries()).isZero();
    assertThat(tier.bytes()).isZero();
    assertThat(tier.maxEntries()).isEqualTo(100);
  }
}
