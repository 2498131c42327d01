package io.consolidb.restaurant.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.FailureCodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RestaurantFilterTest {

  @Test
  void keyPart_equivalentFilters_shareIt() {
    RestaurantFilter a = RestaurantFilter.parse(new JsonObject()
        .put("kosher_category", JsonArray.of("meat", "dairy")).put("min_rating", 4)
        .put("certifying_agency", "OU").put("status", "open"), true);
    RestaurantFilter b = RestaurantFilter.parse(new JsonObject()
        .put("status", JsonArray.of(" Open ")).put("certifying_agency", JsonArray.of("ou", "Ou"))
        .put("min_rating", 3.95).put("kosher_category", JsonArray.of("Dairy", "meat", "meat"))
        .put("sort", "distance"), true);
    assertThat(b.keyPart()).isEqualTo(a.keyPart())
        .isEqualTo(":f:kc=dairy,meat:ca=ou:mr=4:st=open");
    assertThat(b).isEqualTo(a);
  }

  @Test
  void keyPart_noFilterOrDefaultsOnly_isEmpty() {
    assertThat(RestaurantFilter.parse(null, true).keyPart()).isEmpty();
    assertThat(RestaurantFilter.parse(new JsonObject(), false).keyPart()).isEmpty();
    assertThat(RestaurantFilter.parse(new JsonObject().put("sort", "Distance"), true).isNone()).isTrue();
  }

  @Test
  void keyPart_differentFilters_differ() {
    List<JsonObject> filters = List.of(
        new JsonObject().put("kosher_category", "meat"),
        new JsonObject().put("kosher_category", JsonArray.of("meat", "dairy")),
        new JsonObject().put("status", "open"),
        new JsonObject().put("min_price", 2),
        new JsonObject().put("max_price", 2),
        new JsonObject().put("min_rating", 4.1),
        new JsonObject().put("min_rating", 0),
        new JsonObject().put("certifying_agency", "a,b"),
        new JsonObject().put("certifying_agency", JsonArray.of("a", "b")),
        new JsonObject().put("sort", "rating"),
        new JsonObject().put("open_at", "2026-12-05T18:30:00Z"),
        new JsonObject().put("open_at", "2026-12-05T18:31:00Z"));
    assertThat(filters.stream().map(f -> RestaurantFilter.parse(f, true).keyPart()).distinct())
        .hasSize(filters.size())
        .allSatisfy(key -> assertThat(key).doesNotContain("*", "?", "[", " "));
  }

  @Test
  void conditions_bindEveryValueAfterTheStatementsOwn() {
    JsonArray params = JsonArray.of("x", 1, 2);
    String sql = RestaurantFilter.parse(new JsonObject().put("kosher_category", "meat").put("min_price", 2)
        .put("max_price", 3).put("min_rating", 4.25).put("status", "open").put("certifying_agency", "OK"), false)
        .conditions(params);
    assertThat(sql).isEqualTo(" AND kosher_category = ANY($4::text[]) AND lower(certifying_agency) = ANY($5::text[])"
        + " AND price_range >= $6::smallint AND price_range <= $7::smallint AND rating >= $8::numeric"
        + " AND status = ANY($9::text[])");
    assertThat(params).isEqualTo(JsonArray.of("x", 1, 2, JsonArray.of("meat"), JsonArray.of("ok"), 2, 3, 4.3,
        JsonArray.of("open")));
  }

  @Test
  void keyPart_openAt_isTheMinuteInUtc() {
    RestaurantFilter a = RestaurantFilter.parse(new JsonObject().put("open_at", "2026-12-05T18:30:45.5Z")
        .put("kosher_category", "meat"), true);
    RestaurantFilter b = RestaurantFilter.parse(new JsonObject().put("kosher_category", JsonArray.of("Meat"))
        .put("open_at", "2026-12-05T13:30:00-05:00"), true);
    assertThat(b.keyPart()).isEqualTo(a.keyPart()).isEqualTo(":f:kc=meat:at=20261205T1830Z");
    assertThat(RestaurantFilter.parse(new JsonObject().put("open_at", "2026-12-05T18:31:00Z"), false).keyPart())
        .isEqualTo(":f:at=20261205T1831Z");
  }

  @Test
  void keyPart_openNow_isTheCurrentMinuteAsOpenAtWouldKeyIt() {
    Clock clock = Clock.fixed(Instant.parse("2026-12-05T18:30:59.999Z"), ZoneOffset.UTC);
    RestaurantFilter now = RestaurantFilter.parse(new JsonObject().put("open_now", true), false, clock);
    assertThat(now.keyPart()).isEqualTo(":f:at=20261205T1830Z")
        .isEqualTo(RestaurantFilter.parse(new JsonObject().put("open_at", "2026-12-05T18:30:00Z"), false).keyPart());
    Clock later = Clock.offset(clock, Duration.ofMillis(1));
    assertThat(RestaurantFilter.parse(new JsonObject().put("open_now", true), false, later).keyPart())
        .as("a minute later, another entry").isEqualTo(":f:at=20261205T1831Z");
    assertThat(RestaurantFilter.parse(new JsonObject().put("open_now", false), true, clock).isNone()).isTrue();
  }

  @Test
  void conditions_openAt_lastWithTheMinuteBound() {
    JsonArray params = JsonArray.of("x", 1, 2);
    String sql = RestaurantFilter.parse(new JsonObject().put("open_at", "2026-12-05T18:30:45Z").put("min_price", 2), false)
        .conditions(params);
    assertThat(sql).isEqualTo(" AND price_range >= $4::smallint AND status = 'open'"
        + " AND coalesce(weekly_hours @> restaurant_week_minute($5::timestamptz, time_zone), false)");
    assertThat(params).isEqualTo(JsonArray.of("x", 1, 2, 2, "2026-12-05T18:30:00Z"));
  }

  static Stream<Arguments> refusals() {
    return Stream.of(
        Arguments.of(new JsonObject().put("kosher_category", "beef"), "kosher_category", "kosher_category must be one of meat, dairy, pareve, fish"),
        Arguments.of(new JsonObject().put("kosher_category", JsonArray.of()), "kosher_category", "kosher_category must name at least one value"),
        Arguments.of(new JsonObject().put("kosher_category", 3), "kosher_category", "kosher_category must be a string or an array of strings"),
        Arguments.of(new JsonObject().put("status", "gone"), "status", "status must be one of open, closed, temporarily_closed"),
        Arguments.of(new JsonObject().put("certifying_agency", " "), "certifying_agency", "certifying_agency must not be blank"),
        Arguments.of(new JsonObject().put("certifying_agency", new JsonArray(List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"))),
            "certifying_agency", "certifying_agency may name at most 10 values, got 11"),
        Arguments.of(new JsonObject().put("min_price", 0), "min_price", "min_price must be an integer between 1 and 4"),
        Arguments.of(new JsonObject().put("max_price", 2.5), "max_price", "max_price must be an integer between 1 and 4"),
        Arguments.of(new JsonObject().put("min_rating", 5.5), "min_rating", "min_rating must be a number between 0 and 5"),
        Arguments.of(new JsonObject().put("min_rating", "high"), "min_rating", "min_rating must be a number between 0 and 5"),
        Arguments.of(new JsonObject().put("sort", "name"), "sort", "sort must be one of distance, rating"),
        Arguments.of(new JsonObject().put("open_now", "true"), "open_now", "open_now must be true or false"),
        Arguments.of(new JsonObject().put("open_at", "2026-12-05 18:30"), "open_at",
            "open_at must be an ISO-8601 instant with an offset, e.g. 2026-12-05T18:30:00Z"),
        Arguments.of(new JsonObject().put("open_at", "2026-12-05T18:30:00"), "open_at",
            "open_at must be an ISO-8601 instant with an offset, e.g. 2026-12-05T18:30:00Z"),
        Arguments.of(new JsonObject().put("open_at", "x".repeat(100)), "open_at",
            "open_at must be an ISO-8601 instant with an offset, e.g. 2026-12-05T18:30:00Z"),
        Arguments.of(new JsonObject().put("open_at", "+10000-01-01T00:00:00Z"), "open_at",
            "open_at must be an instant from 1970 to 9999"),
        Arguments.of(new JsonObject().put("colour", "red"), "colour", "unknown field: colour"));
  }

  @ParameterizedTest
  @MethodSource("refusals")
  void parse_badValue_is400NamingTheFilter(JsonObject filters, String parameter, String message) {
    assertThatThrownBy(() -> RestaurantFilter.parse(filters, true))
        .isInstanceOf(ServiceException.class)
        .hasMessage(message)
        .satisfies(e -> {
          ServiceException failure = (ServiceException) e;
          assertThat(failure.failureCode()).isEqualTo(FailureCodes.INVALID_INPUT);
          assertThat(failure.getDebugInfo().getString("parameter")).isEqualTo(parameter);
        });
  }

  @Test
  void parse_minPriceAboveMaxPrice_is400NamingBoth() {
    assertThatThrownBy(() -> RestaurantFilter.parse(new JsonObject().put("min_price", 3).put("max_price", 2), false))
        .isInstanceOf(ServiceException.class)
        .hasMessage("min_price must not exceed max_price, got 3 and 2")
        .satisfies(e -> assertThat(((ServiceException) e).getDebugInfo().getJsonArray("parameters"))
            .isEqualTo(JsonArray.of("min_price", "max_price")));
  }

  @Test
  void parse_openNowAndOpenAt_is400NamingBoth() {
    assertThatThrownBy(() -> RestaurantFilter.parse(new JsonObject().put("open_now", false).put("open_at", "2026-12-05T18:30:00Z"), false))
        .isInstanceOf(ServiceException.class)
        .hasMessage("give open_now or open_at, not both")
        .satisfies(e -> assertThat(((ServiceException) e).getDebugInfo().getJsonArray("parameters"))
            .isEqualTo(JsonArray.of("open_now", "open_at")));
  }

  @Test
  void parse_sortOutsideRadiusReads_is400() {
    assertThatThrownBy(() -> RestaurantFilter.parse(new JsonObject().put("sort", "rating"), false))
        .isInstanceOf(ServiceException.class)
        .hasMessage("sort applies to restaurants near a point only");
  }
}
