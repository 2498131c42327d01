package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The filters of the restaurant listings over HTTP, on a deployed node over a seeded private schema. */
@ExtendWith(VertxExtension.class)
class HttpFiltersTest {

  private static final String NEAR = "/api/v1/restaurants?lat=" + KnownRestaurants.CENTRE_LAT
      + "&lng=" + KnownRestaurants.CENTRE_LNG;

  private static TestNode node;
  private WebClient client;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("http_filters");
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext ctx) {
    node.reseed();
    node.execute("UPDATE restaurants SET status = 'temporarily_closed' WHERE name = 'Brooklyn Kosher Grill'",
        // Sunday evening into Monday, New York time (the zone derived from the city)
        "UPDATE restaurants SET hours = '{\"sun\": \"20:00-02:00\"}' WHERE name = 'Empire Bagels'");
    int port = TestNode.freePort();
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    TestNode.deployServicesAndHttp(vertx, node.config(port, "token-filters-1"), false)
        .onComplete(ctx.succeedingThenComplete());
  }

  static Stream<Arguments> answers() {
    return Stream.of(
        Arguments.of(NEAR + "&radius_km=50&kosher_category=meat,pareve&min_rating=4.6", List.of("Hudson Yards Kosher")),
        Arguments.of(NEAR + "&radius_km=3&kosher_category=dairy&kosher_category=meat&sort=rating",
            List.of("Hudson Yards Kosher", "Times Square Deli", "Bryant Park Grill", "Union Square Pizza", "Empire Bagels")),
        Arguments.of(NEAR + "&radius_km=3&max_price=1", List.of("Empire Bagels", "Union Square Pizza")),
        Arguments.of("/api/v1/restaurants?city=New%20York&min_price=2&max_price=3", List.of("Bryant Park Grill", "Times Square Deli")),
        Arguments.of("/api/v1/restaurants/search?q=kosher&status=open", List.of("Hudson Yards Kosher")),
        Arguments.of("/api/v1/restaurants/search?q=kosher&status=open,temporarily_closed&kosher_category=meat",
            List.of("Hudson Yards Kosher", "Brooklyn Kosher Grill")),
        // Monday 01:30 in New York: Sunday's span is still open; 02:00 it has closed
        Arguments.of(NEAR + "&radius_km=3&open_at=2026-12-07T06:30:00Z", List.of("Empire Bagels")),
        Arguments.of("/api/v1/restaurants?city=New%20York&open_at=2026-12-07T01:30:00-05:00", List.of("Empire Bagels")),
        Arguments.of("/api/v1/restaurants?city=New%20York&open_at=2026-12-07T07:30:00%2B01:00", List.of("Empire Bagels")),
        Arguments.of("/api/v1/restaurants/search?q=bagels&open_at=2026-12-07T07:00:00Z", List.of()),
        Arguments.of("/api/v1/restaurants/search?q=bagels&open_now=false", List.of("Empire Bagels")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("answers")
  @DisplayName("a filtered listing answers the matching restaurants in the listing's order")
  void filtered_answers(String uri, List<String> names, VertxTestContext ctx) {
    client.get(uri).send().onComplete(ctx.succeeding(response -> ctx.verify(() -> {
      assertThat(response.statusCode()).as("status of %s", response.bodyAsString()).isEqualTo(200);
      JsonArray items = response.bodyAsJsonObject().getJsonArray("items");
      assertThat(items.stream().map(item -> ((JsonObject) item).getString("name")).toList())
          .containsExactlyElementsOf(names);
      ctx.completeNow();
    })));
  }

  static Stream<Arguments> refusals() {
    return Stream.of(
        Arguments.of(NEAR + "&min_rating=high", "min_rating"),
        Arguments.of(NEAR + "&min_rating=9", "min_rating"),
        Arguments.of(NEAR + "&min_price=1.5", "min_price"),
        Arguments.of(NEAR + "&max_price=1&max_price=2", "max_price"),
        Arguments.of(NEAR + "&kosher_category=beef", "kosher_category"),
        Arguments.of(NEAR + "&status=", "status"),
        Arguments.of(NEAR + "&sort=name", "sort"),
        Arguments.of(NEAR + "&open_now=yes", "open_now"),
        Arguments.of(NEAR + "&open_now=true&open_now=false", "open_now"),
        Arguments.of("/api/v1/restaurants?city=Chicago&open_at=tonight", "open_at"),
        Arguments.of("/api/v1/restaurants/search?q=deli&open_at=2026-12-05T18:30:00", "open_at"),
        Arguments.of("/api/v1/restaurants?city=Chicago&sort=rating", "sort"),
        Arguments.of("/api/v1/restaurants/search?q=deli&certifying_agency=%20", "certifying_agency"),
        Arguments.of("/api/v1/restaurants?city=Chicago&min_price=3&max_price=2", null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  @DisplayName("a bad filter answers 400 problem+json naming it")
  void badFilter_is400(String uri, String parameter, VertxTestContext ctx) {
    client.get(uri).send().onComplete(ctx.succeeding(response -> ctx.verify(() -> {
      JsonObject problem = HttpApiTest.assertProblem(response, 400, parameter);
      if (parameter == null) {
        assertThat(problem.getJsonArray("parameters")).isEqualTo(JsonArray.of("min_price", "max_price"));
      }
      ctx.completeNow();
    })));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bothOpenFilters")
  @DisplayName("open_now and open_at together answer 400 naming both")
  void openNowAndOpenAt_is400(String uri, VertxTestContext ctx) {
    client.get(uri).send().onComplete(ctx.succeeding(response -> ctx.verify(() -> {
      JsonObject problem = HttpApiTest.assertProblem(response, 400, null);
      assertThat(problem.getJsonArray("parameters")).isEqualTo(JsonArray.of("open_now", "open_at"));
      ctx.completeNow();
    })));
  }

  static Stream<String> bothOpenFilters() {
    String both = "&open_now=true&open_at=2026-12-05T18:30:00Z";
    return Stream.of(NEAR + both, "/api/v1/restaurants?city=Chicago" + both, "/api/v1/restaurants/search?q=deli" + both);
  }
}
