package io.consolidb.analytics.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.FailureCodes;
import io.consolidb.analytics.AnalyticsLimits;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EventValidatorTest {

  private static final Instant NOW = Instant.parse("2025-03-10T15:00:00Z");
  private static final int PROPERTIES = AnalyticsSql.INSERT_COLUMNS.indexOf("properties");
  private static final int USERS = AnalyticsSql.INSERT_COLUMNS.indexOf("user_id");

  private static JsonObject event() {
    return new JsonObject().put("type", "search").put("occurred_at", "2025-03-10T10:00:00Z");
  }

  private static Object stored(JsonObject event, int column) {
    return EventValidator.batch(JsonArray.of(event), NOW).params().getJsonArray(column).getValue(0);
  }

  @Test
  void properties_emptyObject_storedAsNull() {
    assertThat(stored(event().put("properties", new JsonObject()), PROPERTIES)).isNull();
    assertThat(stored(event(), PROPERTIES)).isNull();
    assertThat(stored(event().put("properties", new JsonObject().put("q", "deli")), PROPERTIES))
        .isEqualTo("{\"q\":\"deli\"}");
  }

  @Test
  void properties_atTheirMaximumLength_accepted_oneMoreRefused() {
    // {"p":"…"} is 8 characters around the value
    String longest = "x".repeat(AnalyticsLimits.MAX_PROPERTIES_JSON_LENGTH - 8);
    JsonObject atMaximum = new JsonObject().put("p", longest);
    assertThat(atMaximum.encode()).hasSize(AnalyticsLimits.MAX_PROPERTIES_JSON_LENGTH);
    assertThat(stored(event().put("properties", atMaximum), PROPERTIES)).isEqualTo(atMaximum.encode());
    assertThatThrownBy(() -> stored(event().put("properties", new JsonObject().put("p", longest + "x")), PROPERTIES))
        .isInstanceOfSatisfying(ServiceException.class, e -> {
          assertThat(e.failureCode()).isEqualTo(FailureCodes.INVALID_INPUT);
          assertThat(e.getDebugInfo().getJsonArray("errors").getJsonObject(0).getString("parameter"))
              .isEqualTo("properties");
        })
        .hasMessage("event 0 is invalid: properties must be at most 2048 characters of JSON; nothing was recorded");
  }

  @Test
  void ids_ofEveryIntegralType_accepted() {
    assertThat(stored(event().put("user_id", (short) 7), USERS)).isEqualTo(7L);
    assertThat(stored(event().put("user_id", 8), USERS)).isEqualTo(8L);
    assertThat(stored(event().put("user_id", 9L), USERS)).isEqualTo(9L);
  }
}
