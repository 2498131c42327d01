package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code cache} object of a {@code consolidb.db.query} request: what it accepts and refuses. */
class CacheSpecTest {

  @Test
  void clusterWide_readWrittenAndOffByDefault() {
    assertThat(CacheSpec.fromJson(new JsonObject().put("key", "k")).clusterWide()).isFalse();
    CacheSpec shared = CacheSpec.fromJson(new JsonObject().put("key", "k").put("clusterWide", true));
    assertThat(shared.clusterWide()).isTrue();
    assertThat(CacheSpec.fromJson(shared.toJson())).isEqualTo(shared);
    assertThat(new CacheSpec(5, "k", List.of("t")).toJson().containsKey("clusterWide")).isFalse();
  }

  @Test
  void clusterWide_notABoolean_isRefusedByName() {
    assertThatThrownBy(() -> CacheSpec.fromJson(new JsonObject().put("clusterWide", "yes")))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("cache.clusterWide must be true or false");
  }

  @Test
  void ttlAndKey_badValues_areRefusedByName() {
    assertThatThrownBy(() -> CacheSpec.fromJson(new JsonObject().put("ttlSeconds", 1.5)))
        .hasMessageContaining("cache.ttlSeconds");
    assertThatThrownBy(() -> CacheSpec.fromJson(new JsonObject().put("key", "#tag")))
        .hasMessageContaining("cache.key");
    assertThatThrownBy(() -> CacheSpec.fromJson(new JsonObject().put("key", 3)))
        .hasMessage("cache.key must be a string");
  }

  @Test
  void keyFor_theSqlAndItsParametersBothCount_andAreKeptApart() {
    CacheSpec spec = new CacheSpec(60, null, List.of("t"));
    String key = spec.keyFor("SELECT $1::int", JsonArray.of(1));
    assertThat(key).startsWith("q:").hasSize(2 + 32).isEqualTo(spec.keyFor("SELECT $1::int", JsonArray.of(1)));
    assertThat(spec.keyFor("SELECT $1::int", JsonArray.of(2))).isNotEqualTo(key);
    assertThat(spec.keyFor("SELECT $1::bigint", JsonArray.of(1))).isNotEqualTo(key);
    assertThat(spec.keyFor("SELECT $1::int", null)).isNotEqualTo(key);
    // "x" then 12 against "x1" then 2: the same bytes unless the two parts are separated
    assertThat(spec.keyFor("x", 12)).isNotEqualTo(spec.keyFor("x1", 2));
    assertThat(new CacheSpec(60, "named", List.of()).keyFor("SELECT 1", null)).isEqualTo("named");
  }
}
