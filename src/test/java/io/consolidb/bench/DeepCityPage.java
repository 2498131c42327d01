package io.consolidb.bench;

import io.consolidb.restaurant.RestaurantLimits;
import io.consolidb.restaurant.RestaurantService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The deepest full page of the demo data's largest city ({@value #CITY}, pages of {@value #SIZE}),
 * read two ways on a node without a cache: by number ({@code byCity(city, page, size)}: PostgreSQL
 * reads and drops every row before it) and by cursor ({@code byCityAfter} with the {@code next} of
 * the page before: the index scan starts at the position). Both answers are checked to be the
 * same page before anything is measured.
 */
record DeepCityPage(RestaurantService service, int page, String cursor, JsonObject expected) {

  static final String CITY = "Brooklyn";
  static final int SIZE = 20;

  /** The deepest page of {@value #CITY} that has another after it (so it is full), found by bisection. */
  static DeepCityPage find(RestaurantService service) throws Exception {
    int low = 1;
    int high = RestaurantLimits.MAX_PAGE;
    while (low < high) {
      int middle = (low + high + 1) / 2;
      if (await(service.byCity(CITY, middle, SIZE)).getBoolean("has_more")) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    if (low < 2) {
      throw new IllegalStateException(CITY + " has fewer than three pages of " + SIZE + ": no deep page to read");
    }
    String cursor = await(service.byCity(CITY, low - 1, SIZE)).getString("next");
    JsonObject expected = await(service.byCity(CITY, low, SIZE));
    DeepCityPage deep = new DeepCityPage(service, low, cursor, expected);
    JsonObject byCursor = await(deep.byCursor().get());
    if (!byCursor.getJsonArray("items").equals(expected.getJsonArray("items"))) {
      throw new IllegalStateException("page " + low + " of " + CITY + " differs by cursor and by number");
    }
    return deep;
  }

  Supplier<Future<JsonObject>> byNumber() {
    return () -> service.byCity(CITY, page, SIZE);
  }

  Supplier<Future<JsonObject>> byCursor() {
    return () -> service.byCityAfter(CITY, cursor, SIZE, null);
  }

  /** Every answer must be the full page. */
  static void check(JsonObject answer) {
    if (answer.getInteger("count") != SIZE) {
      throw new IllegalStateException("the deep page of " + CITY + " returned " + answer.getInteger("count") + " rows");
    }
  }

  private static JsonObject await(Future<JsonObject> call) throws Exception {
    return call.await(30, TimeUnit.SECONDS);
  }
}
