package io.consolidb.restaurant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.FailureCodes;
import io.consolidb.http.KnownRestaurants;
import io.consolidb.http.TestNode;
import io.consolidb.testsupport.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Keyset pages of a city ({@code byCityAfter}) through the event-bus proxy, on the real query
 * verticle over a private schema seeded with {@link KnownRestaurants}.
 */
class RestaurantCursorTest {

  private static TestNode node;
  private Vertx vertx;
  private RestaurantService service;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("restaurant_cursor");
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @BeforeEach
  void deploy() throws Exception {
    node.reseed();
    vertx = Vertx.vertx();
    service = RestaurantService.createProxy(vertx, 5000);
    TestNode.deployServices(vertx, node.config(0, "")).await(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("following next walks a city by name, case-insensitively, the same rows as the numbered pages, and stops")
  void cursor_walksTheCity() {
    List<String> all = KnownRestaurants.newYorkNames();
    JsonObject first = Await.result(service.byCityAfter("NEW YORK", null, 2, null));
    assertThat(names(first)).containsExactlyElementsOf(all.subList(0, 2));
    assertThat(first.getInteger("count")).isEqualTo(2);
    assertThat(first.getInteger("size")).isEqualTo(2);
    assertThat(first.getBoolean("has_more")).isTrue();
    assertThat(first.getInteger("page")).as("the first page is page 1").isEqualTo(1);

    JsonObject second = Await.result(service.byCityAfter(" new york ", first.getString("next"), 2, null));
    assertThat(names(second)).containsExactlyElementsOf(all.subList(2, 4));
    assertThat(second.containsKey("page")).as("a page after a cursor has no number").isFalse();
    // the size may change from page to page
    JsonObject last = Await.result(service.byCityAfter("New York", second.getString("next"), 5, null));
    assertThat(names(last)).containsExactlyElementsOf(all.subList(4, 5));
    assertThat(last.getBoolean("has_more")).isFalse();
    assertThat(last.containsKey("next")).as("no next on the last page").isFalse();
  }

  @Test
  @DisplayName("a numbered page carries next too, and following it gives the next numbered page")
  void numberedPage_next_continuesByCursor() {
    JsonObject page1 = Await.result(service.byCity("New York", 1, 2));
    JsonObject page2 = Await.result(service.byCity("New York", 2, 2));
    JsonObject after = Await.result(service.byCityAfter("New York", page1.getString("next"), 2, null));
    assertThat(names(after)).isEqualTo(names(page2));
    assertThat(after.getString("next")).isEqualTo(page2.getString("next"));
    assertThat(Await.result(service.byCity("New York", 3, 2)).containsKey("next")).isFalse();
  }

  @Test
  @DisplayName("a filtered listing pages by cursor within its filters")
  void filtered_pagesWithinTheFilters() {
    JsonObject meat = new JsonObject().put("kosher_category", "meat");
    JsonObject first = Await.result(service.byCityAfter("New York", null, 1, meat));
    assertThat(names(first)).containsExactly("Hudson Yards Kosher");
    // equivalent filters are the same listing: the token is accepted
    JsonObject second = Await.result(service.byCityAfter("new york", first.getString("next"), 1,
        new JsonObject().put("kosher_category", JsonArray.of("MEAT", "meat"))));
    assertThat(names(second)).containsExactly("Times Square Deli");
    assertThat(second.containsKey("next")).isFalse();
  }

  @Test
  @DisplayName("rows inserted and deleted between pages never make a row come twice, nor skip one present throughout")
  void concurrentWrites_neitherRepeatNorSkip() {
    // 40 rows, names in pairs ("R00" twice, "R01" twice, …): pages of 3 split pairs, so the id
    // must break ties for the walk to be right
    node.execute("INSERT INTO restaurants (name, city, latitude, longitude)"
        + " SELECT 'R' || lpad((g / 2)::text, 2, '0'), 'Cursorville', 40, -74 FROM generate_series(0, 39) g");
    Set<Long> throughout = new HashSet<>(ids("SELECT id FROM restaurants WHERE city = 'Cursorville'"));
    List<Long> seen = new ArrayList<>();
    List<String> seenNames = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonObject page = Await.result(service.byCityAfter("cursorville", cursor, 3, null));
      for (Object item : page.getJsonArray("items")) {
        JsonObject row = (JsonObject) item;
        seen.add(row.getLong("id"));
        seenNames.add(row.getString("name") + "#" + String.format("%09d", row.getLong("id")));
      }
      cursor = page.getString("next");
      pages++;
      if (cursor != null) {
        long last = seen.get(seen.size() - 1);
        String lastName = page.getJsonArray("items").getJsonObject(page.getInteger("count") - 1).getString("name");
        // the row the cursor points at goes, a row before the cursor comes (it must not be
        // returned: it sorts before), one with the cursor's own name and a higher id comes (it
        // must be returned once), and the last row of the city goes
        node.execute("DELETE FROM restaurants WHERE id = " + last,
            "INSERT INTO restaurants (name, city, latitude, longitude) VALUES ('A-early-" + pages + "', 'Cursorville', 40, -74)",
            "INSERT INTO restaurants (name, city, latitude, longitude) VALUES ('" + lastName + "', 'Cursorville', 40, -74)",
            "DELETE FROM restaurants WHERE id = (SELECT max(id) FROM restaurants WHERE city = 'Cursorville' AND name LIKE 'R3%')");
        throughout.remove(last);
      }
    } while (cursor != null && pages < 100);

    throughout.retainAll(ids("SELECT id FROM restaurants WHERE city = 'Cursorville'"));
    assertThat(pages).isLessThan(100);
    assertThat(seen).as("no row twice").doesNotHaveDuplicates();
    assertThat(seen).as("every row present from start to end").containsAll(throughout);
    assertThat(seenNames).as("in (name, id) order").isSorted();
    List<Long> early = ids("SELECT id FROM restaurants WHERE name LIKE 'A-early-%'");
    assertThat(early).hasSizeGreaterThan(5);
    assertThat(seen).as("rows inserted before the cursor are not returned").doesNotContainAnyElementsOf(early);
  }

  @Test
  @DisplayName("an open-now listing's token stays good at the next minute; it is refused without the open filter")
  void openListing_tokenOutlivesItsMinute() {
    // every New York restaurant open on Mondays 09:00–21:00 in its zone (America/New_York, from the city)
    node.execute("UPDATE restaurants SET hours = '{\"mon\": \"09:00-21:00\"}' WHERE lower(city) = 'new york'");
    List<String> all = KnownRestaurants.newYorkNames();
    JsonObject mondayAt18 = new JsonObject().put("open_at", "2026-12-07T23:00:00Z"); // 18:00 in New York
    JsonObject first = Await.result(service.byCityAfter("New York", null, 1, mondayAt18));
    assertThat(names(first)).containsExactlyElementsOf(all.subList(0, 1));

    JsonObject aMinuteLater = new JsonObject().put("open_at", "2026-12-07T23:01:00Z");
    JsonObject second = Await.result(service.byCityAfter("New York", first.getString("next"), 1, aMinuteLater));
    assertThat(names(second)).containsExactlyElementsOf(all.subList(1, 2));
    expectRefused(service.byCityAfter("New York", first.getString("next"), 1, null), "cursor", "another listing");
  }

  @Test
  @DisplayName("a token of another city or of other filters is refused with 400 naming cursor")
  void foreignToken_refused() {
    String newYork = Await.result(service.byCityAfter("New York", null, 1, null)).getString("next");
    expectRefused(service.byCityAfter("Brooklyn", newYork, 1, null), "cursor", "another listing");
    expectRefused(service.byCityAfter("New York", newYork, 1, new JsonObject().put("kosher_category", "meat")),
        "cursor", "another listing");
  }

  @Test
  @DisplayName("a bad, altered or cut token and bad arguments fail with 400 naming the parameter, never 500")
  void badInput_refused() {
    String token = Await.result(service.byCityAfter("New York", null, 1, null)).getString("next");
    expectRefused(service.byCityAfter("New York", "", 1, null), "cursor", "1 to");
    expectRefused(service.byCityAfter("New York", "%%%", 1, null), "cursor", "not a listing token");
    expectRefused(service.byCityAfter("New York", token.substring(0, token.length() - 3), 1, null), "cursor", "cursor");
    char flipped = token.charAt(20) == 'A' ? 'B' : 'A';
    expectRefused(service.byCityAfter("New York", token.substring(0, 20) + flipped + token.substring(21), 1, null),
        "cursor", "cursor");
    expectRefused(service.byCityAfter("New York", "x".repeat(RestaurantLimits.MAX_CURSOR_LENGTH + 1), 1, null),
        "cursor", "1 to");
    expectRefused(service.byCityAfter("New York", token, 0, null), "size", "size");
    expectRefused(service.byCityAfter(" ", token, 1, null), "city", "city");
    expectRefused(service.byCityAfter("New York", token, 1, new JsonObject().put("sort", "rating")), "sort", "sort");
  }

  private static void expectRefused(Future<?> call, String parameter, String message) {
    assertThatThrownBy(() -> Await.result(call))
        .isInstanceOfSatisfying(ServiceException.class, e -> {
          assertThat(e.failureType()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
          assertThat(e.failureCode()).as("failure code of: %s", e.getMessage()).isEqualTo(FailureCodes.INVALID_INPUT);
          assertThat(e.getDebugInfo().getString("parameter")).isEqualTo(parameter);
        })
        .hasMessageContaining(message);
  }

  private static List<Long> ids(String sql) {
    List<Long> ids = new ArrayList<>();
    try (var c = node.connection(); var s = c.createStatement(); var rs = s.executeQuery(sql)) {
      while (rs.next()) {
        ids.add(rs.getLong(1));
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
    return ids;
  }

  private static List<String> names(JsonObject page) {
    return page.getJsonArray("items").stream().map(item -> ((JsonObject) item).getString("name")).toList();
  }
}
