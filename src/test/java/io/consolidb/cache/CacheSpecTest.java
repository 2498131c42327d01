package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
