package io.consolidb.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.FailureCodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.Test;

class IdempotencyKeysTest {

  @Test
  void check_visibleAsciiFrom1To255() {
    assertThat(IdempotencyKeys.check("a")).isEqualTo("a");
    assertThat(IdempotencyKeys.check("!~" + "x".repeat(253))).hasSize(255);
    assertThat(IdempotencyKeys.check("3f0c-9a41:order/42")).isEqualTo("3f0c-9a41:order/42");
  }

  @Test
  void check_refusesEmptyLongSpacesControlAndNonAscii() {
    for (String bad : new String[] {"", "x".repeat(256), "a b", "a\tb", "a\nb", "caf\u00e9", "\u007f"}) {
      assertThatThrownBy(() -> IdempotencyKeys.check(bad)).as("[%s]", bad)
          .isInstanceOfSatisfying(ServiceException.class, e -> {
            assertThat(e.failureCode()).isEqualTo(FailureCodes.INVALID_INPUT);
            assertThat(e.getDebugInfo().getString("parameter")).isEqualTo(IdempotencyKeys.PARAMETER);
            assertThat(e.getMessage()).doesNotContain(bad.isEmpty() ? "\u0000" : bad);
          });
    }
  }

  @Test
  void fingerprint_ignoresKeyOrderAtEveryLevel() {
    JsonObject one = new JsonObject().put("a", 1).put("b", new JsonObject().put("x", "1").put("y", JsonArray.of(1, 2)));
    JsonObject two = new JsonObject().put("b", new JsonObject().put("y", JsonArray.of(1, 2)).put("x", "1")).put("a", 1);
    assertThat(IdempotencyKeys.fingerprint("op", 7L, one)).isEqualTo(IdempotencyKeys.fingerprint("op", 7L, two))
        .hasSize(64);
  }

  @Test
  void fingerprint_differsForAnyOtherValueOperationOrOrderOfArrays() {
    JsonObject body = new JsonObject().put("a", 1).put("list", JsonArray.of(1, 2));
    String base = IdempotencyKeys.fingerprint("op", 7L, body);
    assertThat(IdempotencyKeys.fingerprint("other", 7L, body)).isNotEqualTo(base);
    assertThat(IdempotencyKeys.fingerprint("op", 8L, body)).isNotEqualTo(base);
    assertThat(IdempotencyKeys.fingerprint("op", 7L, body.copy().put("a", 2))).isNotEqualTo(base);
    assertThat(IdempotencyKeys.fingerprint("op", 7L, body.copy().put("list", JsonArray.of(2, 1)))).isNotEqualTo(base);
    assertThat(IdempotencyKeys.fingerprint("op", 7L, body.copy().put("extra", null))).isNotEqualTo(base);
  }

  @Test
  void keyed_storesTheKeyFromTheWritesRowsWithTheNextParameters() {
    String sql = IdempotencySql.keyed("DELETE FROM t WHERE id = $1 RETURNING id", 1);
    assertThat(sql).startsWith("WITH w AS (DELETE FROM t WHERE id = $1 RETURNING id), k AS (INSERT INTO idempotency_keys")
        .contains("SELECT $2::text, $3::text, $4::text, to_jsonb(w) FROM w").endsWith("SELECT * FROM w");
  }
}
