package io.consolidb.restaurant.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.FailureCodes;
import io.consolidb.restaurant.RestaurantLimits;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import java.util.List;
import org.junit.jupiter.api.Test;

class RestaurantValidatorTest {

  @Test
  void terms_countsWordsNotOperatorsOrPunctuation() {
    assertThat(RestaurantValidator.terms("\"kosher pizza\" -dairy OR grill")).isEqualTo(4);
    assertThat(RestaurantValidator.terms("  bagel  ")).isEqualTo(1);
    assertThat(RestaurantValidator.terms("café-bistro 24/7")).isEqualTo(4);
    assertThat(RestaurantValidator.terms("\"\" - or OR")).isZero();
  }

  @Test
  void query_atTheCap_isAccepted() {
    String eight = "a b c d e f g h";
    assertThat(RestaurantValidator.terms(eight)).isEqualTo(RestaurantLimits.MAX_QUERY_TERMS);
    assertThat(RestaurantValidator.query(" " + eight + " ")).isEqualTo(eight);
  }

  @Test
  void query_aboveTheCap_is400NamingTheCap() {
    assertThatThrownBy(() -> RestaurantValidator.query("a OR b OR c OR d OR e OR f OR g OR h OR i"))
        .isInstanceOf(ServiceException.class)
        .satisfies(e -> assertThat(((ServiceException) e).failureCode()).isEqualTo(FailureCodes.INVALID_INPUT))
        .hasMessage("query has 9 words: at most 8 are searched");
  }

  @Test
  void newRestaurant_timeZone_canonicalOrNullForTheCitys() {
    JsonObject restaurant = new JsonObject().put("name", "n").put("city", "c").put("latitude", 1).put("longitude", 2);
    int index = RestaurantSql.INSERT_PARAMETERS.indexOf("time_zone");
    assertThat(RestaurantValidator.newRestaurant(restaurant).getValue(index)).isNull();
    assertThat(RestaurantValidator.newRestaurant(restaurant.copy().put("time_zone", " america/NEW_york "))
        .getValue(index)).isEqualTo("America/New_York");
    assertThat(RestaurantValidator.changes(new JsonObject().put("time_zone", null)))
        .isEqualTo(new JsonObject().putNull("time_zone"));
  }

  @Test
  void changes_unknownTimeZone_is400NamingIt() {
    for (String zone : List.of("Mars/Olympus_Mons", "EST", "+02:00", "UTC+2", "x".repeat(65))) {
      assertThatThrownBy(() -> RestaurantValidator.changes(new JsonObject().put("time_zone", zone)))
          .as(zone)
          .isInstanceOf(ServiceException.class)
          .hasMessage("time_zone must be an IANA time zone name such as America/New_York or Europe/London")
          .satisfies(e -> assertThat(((ServiceException) e).getDebugInfo().getString("parameter")).isEqualTo("time_zone"));
    }
  }

  @Test
  void limitPageSize_acceptTheirBounds_refuseOneBeyond() {
    assertThat(RestaurantValidator.limit(1)).isEqualTo(1);
    assertThat(RestaurantValidator.limit(RestaurantLimits.MAX_LIMIT)).isEqualTo(RestaurantLimits.MAX_LIMIT);
    assertRefused(() -> RestaurantValidator.limit(0), "limit", "limit must be between 1 and 200, got 0");
    assertRefused(() -> RestaurantValidator.limit(RestaurantLimits.MAX_LIMIT + 1), "limit",
        "limit must be between 1 and 200, got 201");
    assertThat(RestaurantValidator.page(1)).isEqualTo(1);
    assertThat(RestaurantValidator.page(RestaurantLimits.MAX_PAGE)).isEqualTo(RestaurantLimits.MAX_PAGE);
    assertRefused(() -> RestaurantValidator.page(0), "page", "page must be between 1 and 10000, got 0");
    assertRefused(() -> RestaurantValidator.page(RestaurantLimits.MAX_PAGE + 1), "page",
        "page must be between 1 and 10000, got 10001");
    assertThat(RestaurantValidator.size(1)).isEqualTo(1);
    assertThat(RestaurantValidator.size(RestaurantLimits.MAX_PAGE_SIZE)).isEqualTo(RestaurantLimits.MAX_PAGE_SIZE);
    assertRefused(() -> RestaurantValidator.size(0), "size", "size must be between 1 and 100, got 0");
    assertRefused(() -> RestaurantValidator.size(RestaurantLimits.MAX_PAGE_SIZE + 1), "size",
        "size must be between 1 and 100, got 101");
  }

  @Test
  void city_atItsMaximumLength_isAccepted_oneMoreRefused() {
    String longest = "c".repeat(RestaurantLimits.MAX_CITY_LENGTH);
    assertThat(RestaurantValidator.city(" " + longest + " ")).isEqualTo(longest);
    assertRefused(() -> RestaurantValidator.city(longest + "c"), "city",
        "city must be at most 100 characters, got 101");
    assertRefused(() -> RestaurantValidator.city("  "), "city", "city must not be blank");
  }

  @Test
  void newRestaurant_missingFields_namedInOneMessage() {
    JsonObject complete = new JsonObject().put("name", "n").put("city", "c").put("latitude", 1).put("longitude", 2);
    JsonObject withoutCity = complete.copy();
    withoutCity.remove("city");
    assertThatThrownBy(() -> RestaurantValidator.newRestaurant(withoutCity))
        .isInstanceOf(ServiceException.class)
        .hasMessage("missing required field: city");
    JsonObject withoutPosition = complete.copy();
    withoutPosition.remove("latitude");
    withoutPosition.remove("longitude");
    assertThatThrownBy(() -> RestaurantValidator.newRestaurant(withoutPosition))
        .isInstanceOf(ServiceException.class)
        .hasMessage("missing required fields: latitude, longitude");
  }

  private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String parameter,
      String message) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(ServiceException.class, e -> {
          assertThat(e.failureCode()).isEqualTo(FailureCodes.INVALID_INPUT);
          assertThat(e.getDebugInfo().getString("parameter")).isEqualTo(parameter);
        })
        .hasMessage(message);
  }
}
