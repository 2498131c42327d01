package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * The encoded-hit memo of {@link ReadCaching}: a cache hit's body is encoded and hashed once per
 * cached value (by identity), anything else every time.
 */
class ReadCachingMemoTest {

  private final ReadCaching caching = new ReadCaching(0);

  @Test
  void sharedHit_isEncodedOnce_withItsTag() {
    JsonObject cached = new JsonObject().put("id", 3).put("name", "Zion Grill");
    ReadCaching.Encoded first = caching.encode(cached, true);
    ReadCaching.Encoded again = caching.encode(new JsonObject(cached.getMap()), true); // another wrapper, same value
    assertThat(again.bytes()).isSameAs(first.bytes());
    assertThat(first.tag()).isEqualTo(ReadCaching.tag(cached.toBuffer()));
    assertThat(first.bytes().toString()).isEqualTo(cached.encode());
  }

  @Test
  void equalButDistinctValue_isEncodedAfresh() {
    // a write replaces the cached value with a new one: never the old bytes for it
    JsonObject old = new JsonObject().put("id", 3).put("name", "Zion Grill");
    JsonObject replaced = new JsonObject().put("id", 3).put("name", "Zion Grill & Bar");
    ReadCaching.Encoded before = caching.encode(old, true);
    ReadCaching.Encoded after = caching.encode(replaced, true);
    assertThat(after.bytes().toString()).isEqualTo(replaced.encode());
    assertThat(after.tag()).isNotEqualTo(before.tag());
  }

  @Test
  void notAHit_isNotRemembered() {
    JsonObject fresh = new JsonObject().put("id", 4);
    ReadCaching.Encoded first = caching.encode(fresh, false);
    fresh.put("name", "changed by its owner"); // not a cached value: it may change
    ReadCaching.Encoded second = caching.encode(fresh, false);
    assertThat(first.tag()).isNull();
    assertThat(second.bytes().toString()).contains("changed by its owner");
  }
}
