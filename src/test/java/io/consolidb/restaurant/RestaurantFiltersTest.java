package io.consolidb.restaurant;

import static io.consolidb.http.KnownRestaurants.CENTRE_LAT;
import static io.consolidb.http.KnownRestaurants.CENTRE_LNG;
import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.FailureCodes;
import io.consolidb.http.KnownRestaurants;
import io.consolidb.http.KnownRestaurants.Seed;
import io.consolidb.http.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.serviceproxy.ServiceException;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The filters of near, byCity and search through the event-bus proxy, on the real query verticle
 * over a private schema seeded with {@link KnownRestaurants}, plus an agency and two statuses set
 * here.
 */
@ExtendWith(VertxExtension.class)
class RestaurantFiltersTest {

  private static TestNode node;
  private RestaurantService service;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("restaurant_filters");
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext ctx) {
    node.reseed();
    node.execute("UPDATE restaurants SET certifying_agency = 'OK' WHERE name IN ('Empire Bagels', 'Chicago Deep Dish')",
        "UPDATE restaurants SET certifying_agency = 'OU' WHERE name = 'Bryant Park Grill'",
        "UPDATE restaurants SET status = 'closed' WHERE name = 'Union Square Pizza'",
        "UPDATE restaurants SET status = 'temporarily_closed' WHERE name = 'Brooklyn Kosher Grill'");
    service = RestaurantService.createProxy(vertx, 5000);
    TestNode.deployServices(vertx, node.config(0, "")).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @DisplayName("near with one category keeps only that category, still nearest first")
  void near_oneCategory(VertxTestContext ctx) {
    List<String> expected = KnownRestaurants.near(KnownRestaurants.MANHATTAN_RADIUS_KM).stream()
        .filter(s -> s.kosherCategory().equals("dairy")).map(Seed::name).toList();
    assertThat(expected).hasSize(3);
    service.nearFiltered(CENTRE_LAT, CENTRE_LNG, KnownRestaurants.MANHATTAN_RADIUS_KM, 50,
            new JsonObject().put("kosher_category", "dairy"))
        .onComplete(ctx.succeeding(result -> ctx.verify(() -> {
          assertThat(names(result)).containsExactlyElementsOf(expected);
          assertThat(result.getInteger("count")).isEqualTo(3);
          assertThat(result.getJsonArray("items").getJsonObject(0).getDouble("distance_km")).isNotNull();
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("near with several categories and a minimum rating keeps the rows matching both, and stops at the limit")
  void near_severalCategoriesAndRating(VertxTestContext ctx) {
    service.nearFiltered(CENTRE_LAT, CENTRE_LNG, 50, 2,
            new JsonObject().put("kosher_category", JsonArray.of("meat", "pareve")).put("min_rating", 4.1))
        .onComplete(ctx.succeeding(result -> ctx.verify(() -> {
          // meat or pareve, rated 4.1 or more, within 50 km: Times Square Deli (0 km), Hudson Yards
          // Kosher (1.4 km), Brooklyn Kosher Grill (9 km): the limit keeps the first two
          assertThat(names(result)).containsExactly("Times Square Deli", "Hudson Yards Kosher");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("a filtered near keeps the radius exactly: a match in the corner of the bounding box but outside the circle is left out")
  void near_filteredBoxCornerOutsideRadius(VertxTestContext ctx) {
    // 2.5 km north and 2.5 km east of the centre: 3.5 km away, inside the 3 km radius's box
    node.execute("INSERT INTO restaurants (name, city, kosher_category, latitude, longitude)"
        + " VALUES ('Corner Deli', 'New York', 'meat', " + (CENTRE_LAT + 2.5 / 111.2) + ", "
        + (CENTRE_LNG + 2.5 / (111.2 * Math.cos(Math.toRadians(CENTRE_LAT)))) + ")");
    JsonObject meat = new JsonObject().put("kosher_category", "meat");
    service.nearFiltered(CENTRE_LAT, CENTRE_LNG, 3, 20, meat)
        .compose(three -> service.nearFiltered(CENTRE_LAT, CENTRE_LNG, 4, 20, meat).map(four -> List.of(three, four)))
        .onComplete(ctx.succeeding(results -> ctx.verify(() -> {
          assertThat(names(results.get(0))).containsExactly("Times Square Deli", "Hudson Yards Kosher");
          assertThat(names(results.get(1))).containsExactly("Times Square Deli", "Hudson Yards Kosher", "Corner Deli");
          assertThat(results.get(1).getJsonArray("items").getJsonObject(2).getDouble("distance_km")).isBetween(3.4, 3.7);
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("near sorted by rating returns the best rated first, unrated last")
  void near_sortByRating(VertxTestContext ctx) {
    node.execute("UPDATE restaurants SET rating = NULL WHERE name = 'Empire Bagels'");
    service.nearFiltered(CENTRE_LAT, CENTRE_LNG, KnownRestaurants.MANHATTAN_RADIUS_KM, 50,
            new JsonObject().put("sort", "rating"))
        .onComplete(ctx.succeeding(result -> ctx.verify(() -> {
          assertThat(names(result)).containsExactly("Hudson Yards Kosher", "Times Square Deli",
              "Bryant Park Grill", "Union Square Pizza", "Empire Bagels");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("near sorted by rating with a limit keeps the best rated, not the nearest")
  void near_sortByRatingWithLimit(VertxTestContext ctx) {
    List<String> best = KnownRestaurants.ALL.stream()
        .filter(s -> s.distanceKmFrom(CENTRE_LAT, CENTRE_LNG) <= 50)
        .sorted(Comparator.comparingDouble(Seed::rating).reversed())
        .limit(2).map(Seed::name).toList();
    service.nearFiltered(CENTRE_LAT, CENTRE_LNG, 50, 2, new JsonObject().put("sort", "rating"))
        .onComplete(ctx.succeeding(result -> ctx.verify(() -> {
          assertThat(names(result)).containsExactlyElementsOf(best).containsExactly("Hudson Yards Kosher", "Times Square Deli");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("byCity with a price range keeps the city's rows inside it, in page order")
  void byCity_priceRange(VertxTestContext ctx) {
    service.byCityFiltered("New York", 1, 20, new JsonObject().put("min_price", 2).put("max_price", 3))
        .onComplete(ctx.succeeding(result -> ctx.verify(() -> {
          assertThat(names(result)).containsExactly("Bryant Park Grill", "Times Square Deli");
          assertThat(result.getBoolean("has_more")).isFalse();
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("byCity with a status and an agency (any case) keeps the rows with one of the values of each")
  void byCity_statusAndAgency(VertxTestContext ctx) {
    service.byCityFiltered("new york", 1, 20, new JsonObject().put("status", JsonArray.of("open", "closed"))
            .put("certifying_agency", JsonArray.of("ok", "Ou")))
        .onComplete(ctx.succeeding(result -> ctx.verify(() -> {
          assertThat(names(result)).containsExactly("Bryant Park Grill", "Empire Bagels");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("byCity with filters pages over the matching rows only")
  void byCity_filteredPages(VertxTestContext ctx) {
    JsonObject meat = new JsonObject().put("kosher_category", "meat");
    service.byCityFiltered("New York", 1, 1, meat)
        .compose(first -> service.byCityFiltered("New York", 2, 1, meat).map(second -> List.of(first, second)))
        .onComplete(ctx.succeeding(pages -> ctx.verify(() -> {
          assertThat(names(pages.get(0))).containsExactly("Hudson Yards Kosher");
          assertThat(pages.get(0).getBoolean("has_more")).isTrue();
          assertThat(names(pages.get(1))).containsExactly("Times Square Deli");
          assertThat(pages.get(1).getBoolean("has_more")).isFalse();
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("search with a status filter drops the closed matches")
  void search_status(VertxTestContext ctx) {
    service.searchFiltered("kosher", 20, new JsonObject().put("status", "open"))
        .onComplete(ctx.succeeding(result -> ctx.verify(() -> {
          // Brooklyn Kosher Grill matches the text but is temporarily closed
          assertThat(names(result)).containsExactly("Hudson Yards Kosher");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("null or empty filters over the proxy answer as the unfiltered read")
  void near_nullFilters(VertxTestContext ctx) {
    service.near(CENTRE_LAT, CENTRE_LNG, 50, 20)
        .compose(plain -> service.nearFiltered(CENTRE_LAT, CENTRE_LNG, 50, 20, null)
            .compose(none -> service.nearFiltered(CENTRE_LAT, CENTRE_LNG, 50, 20, new JsonObject())
                .map(empty -> List.of(plain, none, empty))))
        .onComplete(ctx.succeeding(results -> ctx.verify(() -> {
          assertThat(results.get(1)).isEqualTo(results.get(0));
          assertThat(results.get(2)).isEqualTo(results.get(0));
          assertThat(results.get(0).getInteger("count")).isEqualTo(6);
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("a filter that nothing matches returns an empty list")
  void near_nothingMatches(VertxTestContext ctx) {
    service.nearFiltered(CENTRE_LAT, CENTRE_LNG, 50, 20, new JsonObject().put("kosher_category", "fish"))
        .onComplete(ctx.succeeding(result -> ctx.verify(() -> {
          assertThat(result).isEqualTo(new JsonObject().put("items", new JsonArray()).put("count", 0));
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("a bad filter value fails with 400 naming the filter, before any SQL runs")
  void near_badFilter(VertxTestContext ctx) {
    expect400(ctx, service.nearFiltered(CENTRE_LAT, CENTRE_LNG, 5, 20, new JsonObject().put("min_rating", 7)), "min_rating");
  }

  @Test
  @DisplayName("sort on a by-city listing fails with 400 naming sort")
  void byCity_sort(VertxTestContext ctx) {
    expect400(ctx, service.byCityFiltered("New York", 1, 20, new JsonObject().put("sort", "rating")), "sort");
  }

  @Test
  @DisplayName("an unknown filter on a search fails with 400 naming it")
  void search_unknownFilter(VertxTestContext ctx) {
    expect400(ctx, service.searchFiltered("deli", 20, new JsonObject().put("cuisine", "deli")), "cuisine");
  }

  private static List<String> names(JsonObject result) {
    return result.getJsonArray("items").stream().map(item -> ((JsonObject) item).getString("name")).toList();
  }

  private static void expect400(VertxTestContext ctx, Future<?> call, String parameter) {
    call.onComplete(ctx.failing(failure -> ctx.verify(() -> {
      assertThat(failure).isInstanceOf(ServiceException.class);
      ServiceException e = (ServiceException) failure;
      assertThat(e.failureType()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
      assertThat(e.failureCode()).isEqualTo(FailureCodes.INVALID_INPUT);
      assertThat(e.getDebugInfo().getString("parameter")).isEqualTo(parameter);
      assertThat(e.getMessage()).contains(parameter);
      ctx.completeNow();
    })));
  }
}
