package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class InvalidationTest {

  @Test
  void fromJson_patternAtTheLimit_accepted() {
    String pattern = "k:" + "*".repeat(Invalidation.MAX_PATTERN_LENGTH - 2);
    assertThat(Invalidation.fromJson(new JsonObject().put("pattern", pattern)).pattern()).isEqualTo(pattern);
  }

  @Test
  void fromJson_patternOverTheLimit_refusedNamingTheLimit() {
    String pattern = "*a".repeat(Invalidation.MAX_PATTERN_LENGTH) + "b";
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Invalidation.fromJson(new JsonObject().put("pattern", pattern)));
    assertThat(e).hasMessage("pattern must be at most 256 characters, not 513");
  }

  @Test
  void new_patternOverTheLimit_refusedWithKeysToo() {
    assertThrows(IllegalArgumentException.class,
        () -> new Invalidation(List.of("k"), "x".repeat(Invalidation.MAX_PATTERN_LENGTH + 1), null));
  }

  @Test
  void fromJson_emptyOrBlankPattern_refused() {
    IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
        () -> Invalidation.fromJson(new JsonObject().put("pattern", "").put("tags", JsonArray.of("t"))));
    assertThat(empty).hasMessage("pattern must not be blank");
    assertThrows(IllegalArgumentException.class, () -> Invalidation.fromJson(new JsonObject().put("pattern", " ")));
  }

  @Test
  void fromJson_nonStringPattern_refused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Invalidation.fromJson(new JsonObject().put("pattern", 42)));
    assertThat(e).hasMessage("pattern must be a string");
  }

  @Test
  void fromJson_nothingToDrop_refused() {
    assertThrows(IllegalArgumentException.class, () -> Invalidation.fromJson(new JsonObject()));
  }
}
