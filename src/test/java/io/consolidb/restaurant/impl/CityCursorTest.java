package io.consolidb.restaurant.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.FailureCodes;
import io.consolidb.restaurant.RestaurantLimits;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class CityCursorTest {

  private static final String NEW_YORK = CityCursor.listing("New York", RestaurantFilter.NONE);

  @Test
  void token_roundTrips() {
    CityCursor cursor = new CityCursor("Times Square Deli: \"the\" one ✡", 42);
    String token = cursor.token(NEW_YORK);
    assertThat(token).matches("[A-Za-z0-9_-]+");
    assertThat(CityCursor.parse(token, NEW_YORK)).isEqualTo(cursor);
  }

  @Test
  void token_ofTheLongestName_fitsTheBound() {
    // 200 characters, each escaped by the JSON encoder: the worst case a page can produce
    CityCursor cursor = new CityCursor("\u0001".repeat(RestaurantLimits.MAX_NAME_LENGTH), Long.MAX_VALUE);
    String token = cursor.token(NEW_YORK);
    assertThat(token.length()).isLessThanOrEqualTo(RestaurantLimits.MAX_CURSOR_LENGTH);
    assertThat(CityCursor.parse(token, NEW_YORK)).isEqualTo(cursor);
  }

  @Test
  void listing_ignoresCaseOfTheCity_notTheFilters() {
    assertThat(CityCursor.listing("NEW YORK", RestaurantFilter.NONE)).isEqualTo(NEW_YORK);
    assertThat(CityCursor.listing("Brooklyn", RestaurantFilter.NONE)).isNotEqualTo(NEW_YORK);
    RestaurantFilter meat = RestaurantFilter.parse(new JsonObject().put("kosher_category", "meat"), false);
    RestaurantFilter meatAgain = RestaurantFilter.parse(new JsonObject().put("kosher_category", " MEAT "), false);
    assertThat(CityCursor.listing("New York", meat)).isNotEqualTo(NEW_YORK)
        .isEqualTo(CityCursor.listing("new york", meatAgain));
  }

  @Test
  void parse_tokenOfAnotherListing_refused() {
    String brooklyn = new CityCursor("A", 1).token(CityCursor.listing("Brooklyn", RestaurantFilter.NONE));
    assertRefused(brooklyn, "belongs to another listing");
    RestaurantFilter dairy = RestaurantFilter.parse(new JsonObject().put("kosher_category", "dairy"), false);
    assertRefused(new CityCursor("A", 1).token(CityCursor.listing("New York", dairy)), "belongs to another listing");
  }

  @Test
  void parse_alteredPosition_refused() {
    JsonObject json = decoded(new CityCursor("Bryant Park Grill", 2).token(NEW_YORK));
    assertRefused(encoded(json.copy().put("n", "Bryant Park Grilm")), "altered");
    assertRefused(encoded(json.copy().put("i", 3)), "altered");
    // a token moved to another listing by hand: the check covers the listing too
    assertRefused(encoded(json.copy().put("l", CityCursor.listing("Brooklyn", RestaurantFilter.NONE))), "altered");
  }

  @Test
  void parse_truncated_refused() {
    String token = new CityCursor("Bryant Park Grill", 2).token(NEW_YORK);
    for (int cut : new int[] {1, 2, 3, token.length() / 2}) {
      assertRefused(token.substring(0, token.length() - cut), "cursor");
    }
  }

  @Test
  void parse_notAToken_refused() {
    assertRefused("not a token!", "not a listing token");
    assertRefused("a+b/c===", "not a listing token");
    assertRefused(Base64.getUrlEncoder().encodeToString("[1, 2]".getBytes(StandardCharsets.UTF_8)), "not a listing token");
    assertRefused(Base64.getUrlEncoder().encodeToString(new byte[] {(byte) 0xff, (byte) 0xfe, '{', '}'}), "not a listing token");
    assertRefused(encoded(new JsonObject()), "not a listing token");
  }

  @Test
  void parse_wrongFieldTypesOrValues_refused() {
    JsonObject json = decoded(new CityCursor("Bryant Park Grill", 2).token(NEW_YORK));
    assertRefused(encoded(json.copy().put("i", "2")), "not a listing token");
    assertRefused(encoded(json.copy().put("i", 2.5)), "not a listing token");
    assertRefused(encoded(json.copy().putNull("n")), "not a listing token");
    assertRefused(encoded(json.copy().put("extra", true)), "not a listing token");
    JsonObject withoutCheck = json.copy();
    withoutCheck.remove("c");
    assertRefused(encoded(withoutCheck), "not a listing token");
    // well-formed and checked, but an id no row can have
    assertRefused(new CityCursor("A", 0).token(NEW_YORK), "not a listing token");
    assertRefused(new CityCursor("", 5).token(NEW_YORK), "not a listing token");
  }

  @Test
  void parse_otherVersion_refused() {
    JsonObject json = decoded(new CityCursor("A", 1).token(NEW_YORK));
    assertRefused(encoded(json.put("v", 2)), "another version");
  }

  @Test
  void parse_emptyOrTooLong_refused() {
    assertRefused("", "1 to " + RestaurantLimits.MAX_CURSOR_LENGTH);
    assertRefused("A".repeat(RestaurantLimits.MAX_CURSOR_LENGTH + 1), "1 to " + RestaurantLimits.MAX_CURSOR_LENGTH);
    // exactly at the bound the length is fine: refused for what it says, not for its length
    assertRefused("A".repeat(RestaurantLimits.MAX_CURSOR_LENGTH), "not a listing token");
  }

  @Test
  void keyPart_distinguishesPositions_withoutGlobCharacters() {
    assertThat(new CityCursor("a:b", 1).keyPart()).isNotEqualTo(new CityCursor("a", 1).keyPart())
        .doesNotContain("*").isEqualTo(":a1:a%3Ab");
    assertThat(new CityCursor("x*", 12).keyPart()).isEqualTo(":a12:x%2A");
  }

  private static void assertRefused(String token, String message) {
    assertThatThrownBy(() -> CityCursor.parse(token, NEW_YORK))
        .isInstanceOfSatisfying(ServiceException.class, e -> {
          assertThat(e.failureCode()).isEqualTo(FailureCodes.INVALID_INPUT);
          assertThat(e.getDebugInfo().getString("parameter")).isEqualTo("cursor");
        })
        .hasMessageContaining(message)
        .hasMessageStartingWith("cursor");
  }

  private static JsonObject decoded(String token) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8));
  }

  private static String encoded(JsonObject json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }
}
