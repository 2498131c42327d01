package io.consolidb.restaurant;

import static io.consolidb.http.KnownRestaurants.CENTRE_LAT;
import static io.consolidb.http.KnownRestaurants.CENTRE_LNG;
import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.FailureCodes;
import io.consolidb.http.KnownRestaurants;
import io.consolidb.http.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.serviceproxy.ServiceException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code open_now} / {@code open_at} and the restaurants' time zones through the event-bus proxy,
 * on the real query verticle over a private schema seeded with {@link KnownRestaurants}. The five
 * New York restaurants (zone America/New_York, derived from the city) get hours chosen so that
 * every instant below has one known answer, and a wrong conversion (a fixed offset instead of the
 * zone's rules, the previous day's late span forgotten) a different one:
 * <ul>
 *   <li>Times Square Deli: Monday to Friday 11:00-22:00, Saturday 20:00-02:00 (into Sunday),
 *       Sunday closed;</li>
 *   <li>Hudson Yards Kosher: Sunday 00:00-01:45; Union Square Pizza: Sunday 01:00-02:00;
 *       Empire Bagels: Sunday 02:00-03:00 (the hour skipped in March); Bryant Park Grill: Sunday
 *       03:00-04:00.</li>
 * </ul>
 */
@ExtendWith(VertxExtension.class)
class RestaurantOpenHoursTest {

  private static final String TSD = "Times Square Deli";
  private static final String HYK = "Hudson Yards Kosher";
  private static final String USP = "Union Square Pizza";
  private static final String EB = "Empire Bagels";
  private static final String BPG = "Bryant Park Grill";

  private static TestNode node;
  private RestaurantService service;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("restaurant_open_hours");
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext ctx) {
    node.reseed();
    String weekdays = "\"mon\": \"11:00-22:00\", \"tue\": \"11:00-22:00\", \"wed\": \"11:00-22:00\","
        + " \"thu\": \"11:00-22:00\", \"fri\": \"11:00-22:00\"";
    node.execute(
        "UPDATE restaurants SET hours = '{" + weekdays + ", \"sat\": \"20:00-02:00\", \"sun\": null}' WHERE name = '" + TSD + "'",
        "UPDATE restaurants SET hours = '{\"sun\": \"00:00-01:45\"}' WHERE name = '" + HYK + "'",
        "UPDATE restaurants SET hours = '{\"Sunday\": \"1-2\"}' WHERE name = '" + USP + "'",
        "UPDATE restaurants SET hours = '{\"SUN\": \"02:00-03:00\"}' WHERE name = '" + EB + "'",
        "UPDATE restaurants SET hours = '{\"sun\": \"03:00 - 04:00\"}' WHERE name = '" + BPG + "'",
        // a London restaurant, its zone derived from the new city; Brooklyn keeps no hours
        "UPDATE restaurants SET city = 'London', time_zone = NULL, hours = '{\"sun\": \"09:00-17:00\"}'"
            + " WHERE name = 'Miami Beach Falafel'");
    service = RestaurantService.createProxy(vertx, 5000);
    TestNode.deployServices(vertx, node.config(0, "")).onComplete(ctx.succeedingThenComplete());
  }

  static Stream<Arguments> newYorkInstants() {
    return Stream.of(
        // an ordinary weekend (EST, UTC-5)
        Arguments.of("2026-12-06T00:59:00Z", "Saturday 19:59: before the late span", List.of()),
        Arguments.of("2026-12-06T01:00:00Z", "Saturday 20:00: the late span opens", List.of(TSD)),
        Arguments.of("2026-12-06T06:00:00Z", "Sunday 01:00: Saturday's span past midnight",
            List.of(HYK, TSD, USP)),
        Arguments.of("2026-12-06T06:45:00Z", "Sunday 01:45: closes are exclusive", List.of(TSD, USP)),
        Arguments.of("2026-12-06T07:00:00Z", "Sunday 02:00: Saturday's span has closed", List.of(EB)),
        Arguments.of("2026-12-06T17:00:00Z", "Sunday 12:00: a closed day", List.of()),
        Arguments.of("2026-12-07T17:00:00Z", "Monday 12:00", List.of(TSD)),
        Arguments.of("2026-12-07T17:00:59.999Z", "Monday 12:00:59.999: the same minute", List.of(TSD)),
        // spring forward, 2026-03-08 07:00Z: 02:00 EST becomes 03:00 EDT
        Arguments.of("2026-03-08T06:30:00Z", "01:30 EST, before the change", List.of(HYK, TSD, USP)),
        Arguments.of("2026-03-08T06:59:00Z", "01:59 EST, the last minute before it", List.of(TSD, USP)),
        Arguments.of("2026-03-08T07:00:00Z", "03:00 EDT: 02:00-03:00 was skipped", List.of(BPG)),
        Arguments.of("2026-03-08T07:30:00Z", "03:30 EDT (a fixed UTC-5 would read 02:30)", List.of(BPG)),
        Arguments.of("2026-03-01T07:30:00Z", "a week earlier, 02:30 EST exists", List.of(EB)),
        // fall back, 2026-11-01 06:00Z: 02:00 EDT becomes 01:00 EST, 01:00-02:00 is lived twice
        Arguments.of("2026-11-01T05:30:00Z", "01:30 EDT, the first time", List.of(HYK, TSD, USP)),
        Arguments.of("2026-11-01T06:30:00Z", "01:30 EST, the repeated hour (a fixed UTC-4 would read 02:30)",
            List.of(HYK, TSD, USP)),
        Arguments.of("2026-11-01T07:00:00Z", "02:00 EST", List.of(EB)));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("newYorkInstants")
  @DisplayName("byCity with open_at keeps the restaurants open at that instant on New York's wall clock")
  void byCity_openAt(String instant, String meaning, List<String> open, VertxTestContext ctx) {
    service.byCityFiltered("New York", 1, 20, new JsonObject().put("open_at", instant))
        .onComplete(ctx.succeeding(result -> ctx.verify(() -> {
          assertThat(names(result)).as(meaning).containsExactlyElementsOf(open);
          ctx.completeNow();
        })));
  }

  static Stream<Arguments> londonInstants() {
    return Stream.of(
        Arguments.of("2026-03-22T08:30:00Z", "08:30 GMT", false),
        Arguments.of("2026-03-29T08:30:00Z", "09:30 BST, the first day of summer time", true),
        Arguments.of("2026-10-25T08:30:00Z", "08:30 GMT, the first day of winter time", false),
        Arguments.of("2026-10-25T09:30:00Z", "09:30 GMT", true),
        Arguments.of("2026-10-25T09:30:00+01:00", "the same instant as 08:30Z", false));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("londonInstants")
  @DisplayName("a London restaurant is open by London's clock, summer time included")
  void byCity_openAtLondon(String instant, String meaning, boolean open, VertxTestContext ctx) {
    service.byCityFiltered("London", 1, 20, new JsonObject().put("open_at", instant))
        .onComplete(ctx.succeeding(result -> ctx.verify(() -> {
          assertThat(names(result)).as(meaning).isEqualTo(open ? List.of("Miami Beach Falafel") : List.of());
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("one instant is read on each restaurant's own clock: 09:30 in London is 05:30 in New York")
  void near_eachRestaurantsOwnZone(VertxTestContext ctx) {
    node.execute("UPDATE restaurants SET hours = '{\"sun\": \"09:00-17:00\"}', time_zone = 'Europe/London'"
            + " WHERE name = '" + BPG + "'",
        "UPDATE restaurants SET hours = '{\"sun\": \"09:00-17:00\"}' WHERE name = '" + EB + "'");
    JsonObject at = new JsonObject().put("open_at", "2026-10-25T09:30:00Z");
    service.nearFiltered(CENTRE_LAT, CENTRE_LNG, KnownRestaurants.MANHATTAN_RADIUS_KM, 20, at)
        .onComplete(ctx.succeeding(result -> ctx.verify(() -> {
          assertThat(names(result)).containsExactly(BPG);
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("near with open_at and another filter keeps the open matches, nearest first")
  void near_openAtWithCategory(VertxTestContext ctx) {
    service.nearFiltered(CENTRE_LAT, CENTRE_LNG, KnownRestaurants.MANHATTAN_RADIUS_KM, 20,
            new JsonObject().put("open_at", "2026-03-08T06:30:00Z").put("kosher_category", "meat"))
        .onComplete(ctx.succeeding(result -> ctx.verify(() -> {
          // Times Square Deli is at the centre, Hudson Yards 1.4 km away; Union Square Pizza is dairy
          assertThat(names(result)).containsExactly(TSD, HYK);
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("search with open_at leaves out the matches that are closed or have no hours")
  void search_openAt(VertxTestContext ctx) {
    // "kosher" finds Hudson Yards Kosher (open at 01:30) and Brooklyn Kosher Grill (no hours)
    service.searchFiltered("kosher", 20, new JsonObject().put("open_at", "2026-12-06T06:30:00Z"))
        .onComplete(ctx.succeeding(result -> ctx.verify(() -> {
          assertThat(names(result)).containsExactly(HYK);
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("a restaurant whose status is not open is never open, whatever its hours")
  void openAt_statusNotOpen(VertxTestContext ctx) {
    node.execute("UPDATE restaurants SET status = 'temporarily_closed' WHERE name = '" + USP + "'");
    service.byCityFiltered("New York", 1, 20, new JsonObject().put("open_at", "2026-12-06T06:00:00Z"))
        .onComplete(ctx.succeeding(result -> ctx.verify(() -> {
          assertThat(names(result)).containsExactly(HYK, TSD);
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("open_now keeps a restaurant open around the clock and leaves out one never open")
  void openNow(VertxTestContext ctx) {
    StringBuilder always = new StringBuilder("{");
    for (String day : List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun")) {
      always.append(always.length() > 1 ? ", " : "").append('"').append(day).append("\": \"00:00-00:00\"");
    }
    node.execute("UPDATE restaurants SET hours = '" + always + "}' WHERE name = '" + EB + "'",
        "UPDATE restaurants SET hours = '{}' WHERE name = '" + BPG + "'");
    service.byCityFiltered("New York", 1, 20, new JsonObject().put("open_now", true))
        .compose(now -> service.byCityFiltered("New York", 1, 20, new JsonObject().put("open_now", false))
            .map(all -> List.of(now, all)))
        .onComplete(ctx.succeeding(results -> ctx.verify(() -> {
          assertThat(names(results.get(0))).contains(EB).doesNotContain(BPG);
          assertThat(names(results.get(1))).as("open_now false: no filter").hasSize(5);
          ctx.completeNow();
        })));
  }

  static Stream<Arguments> refusals() {
    return Stream.of(
        Arguments.of(new JsonObject().put("open_at", "tomorrow"), "open_at"),
        Arguments.of(new JsonObject().put("open_at", "2026-12-05T18:30:00"), "open_at"),
        Arguments.of(new JsonObject().put("open_at", 1_733_420_000), "open_at"),
        Arguments.of(new JsonObject().put("open_at", "1969-12-31T23:59:00Z"), "open_at"),
        Arguments.of(new JsonObject().put("open_now", "yes"), "open_now"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  @DisplayName("a bad open_now or open_at fails with 400 naming it, on each of the three reads")
  void badOpenFilter_is400(JsonObject filters, String parameter, VertxTestContext ctx) {
    expect400(ctx, Future.all(
        failure(service.nearFiltered(CENTRE_LAT, CENTRE_LNG, 5, 20, filters)),
        failure(service.byCityFiltered("New York", 1, 20, filters)),
        failure(service.searchFiltered("deli", 20, filters))), parameter);
  }

  @Test
  @DisplayName("open_now and open_at together fail with 400 naming both")
  void openNowAndOpenAt_is400(VertxTestContext ctx) {
    service.byCityFiltered("New York", 1, 20, new JsonObject().put("open_now", true).put("open_at", "2026-12-05T18:30:00Z"))
        .onComplete(ctx.failing(failure -> ctx.verify(() -> {
          ServiceException e = (ServiceException) failure;
          assertThat(e.failureCode()).isEqualTo(FailureCodes.INVALID_INPUT);
          assertThat(e.getDebugInfo().getJsonArray("parameters")).isEqualTo(JsonArray.of("open_now", "open_at"));
          assertThat(e.getMessage()).isEqualTo("give open_now or open_at, not both");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("create derives the time zone from the city (UTC for an unknown city) or takes the one given, in its canonical spelling")
  void create_timeZone(VertxTestContext ctx) {
    JsonObject chicago = restaurant("Zone Grill", "chicago");
    JsonObject elsewhere = restaurant("Nowhere Deli", "Springfield");
    JsonObject given = restaurant("Given Cafe", "New York").put("time_zone", "europe/LONDON");
    service.create(chicago)
        .compose(a -> service.create(elsewhere).compose(b -> service.create(given).map(c -> List.of(a, b, c))))
        .onComplete(ctx.succeeding(created -> ctx.verify(() -> {
          assertThat(created.get(0).getString("time_zone")).isEqualTo("America/Chicago");
          assertThat(created.get(1).getString("time_zone")).isEqualTo("UTC");
          assertThat(created.get(2).getString("time_zone")).isEqualTo("Europe/London");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("update sets a time zone, and a cleared one becomes the (new) city's")
  void update_timeZone(VertxTestContext ctx) {
    long id = KnownRestaurants.id(KnownRestaurants.byName(TSD));
    service.update(id, new JsonObject().put("time_zone", "Asia/Jerusalem"))
        .compose(set -> service.update(id, new JsonObject().put("time_zone", null).put("city", "Chicago"))
            .map(cleared -> List.of(set, cleared)))
        .onComplete(ctx.succeeding(results -> ctx.verify(() -> {
          assertThat(results.get(0).getString("time_zone")).isEqualTo("Asia/Jerusalem");
          assertThat(results.get(1).getString("time_zone")).isEqualTo("America/Chicago");
          ctx.completeNow();
        })));
  }

  static Stream<Arguments> badZones() {
    return Stream.of(Arguments.of("Mars/Olympus_Mons"), Arguments.of("+02:00"), Arguments.of("GMT+2"),
        Arguments.of("EST"), Arguments.of(" "), Arguments.of(5));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("badZones")
  @DisplayName("an unknown time zone fails a create and an update with 400 naming time_zone")
  void badTimeZone_is400(Object zone, VertxTestContext ctx) {
    long id = KnownRestaurants.id(KnownRestaurants.byName(TSD));
    expect400(ctx, Future.all(
        failure(service.create(restaurant("Bad Zone", "New York").put("time_zone", zone))),
        failure(service.update(id, new JsonObject().put("time_zone", zone)))), "time_zone");
  }

  private static JsonObject restaurant(String name, String city) {
    return new JsonObject().put("name", name).put("city", city).put("latitude", 41.88).put("longitude", -87.63);
  }

  private static List<String> names(JsonObject result) {
    return result.getJsonArray("items").stream().map(item -> ((JsonObject) item).getString("name")).toList();
  }

  /** A future that succeeds with the failure of {@code call}, and fails when the call succeeded. */
  private static Future<Throwable> failure(Future<?> call) {
    return call.transform(done -> done.succeeded()
        ? Future.failedFuture(new AssertionError("expected a failure, got " + done.result()))
        : Future.succeededFuture(done.cause()));
  }

  private static void expect400(VertxTestContext ctx, Future<?> failures, String parameter) {
    failures.onComplete(ctx.succeeding(all -> ctx.verify(() -> {
      for (Object failure : ((io.vertx.core.CompositeFuture) all).list()) {
        assertThat(failure).isInstanceOf(ServiceException.class);
        ServiceException e = (ServiceException) failure;
        assertThat(e.failureType()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
        assertThat(e.failureCode()).isEqualTo(FailureCodes.INVALID_INPUT);
        assertThat(e.getDebugInfo().getString("parameter")).isEqualTo(parameter);
        assertThat(e.getMessage()).contains(parameter);
      }
      ctx.completeNow();
    })));
  }
}
