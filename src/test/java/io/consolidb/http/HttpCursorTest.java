package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.Await;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Keyset pages of a city over HTTP ({@code ?city=…&cursor=…}), on a deployed node over a seeded private schema. */
class HttpCursorTest {

  private static final String CITY = "/api/v1/restaurants?city=New%20York";

  private static TestNode node;
  private Vertx vertx;
  private WebClient client;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("http_cursor");
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @BeforeEach
  void deploy() throws Exception {
    node.reseed();
    vertx = Vertx.vertx();
    int port = TestNode.freePort();
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    TestNode.deployServicesAndHttp(vertx, node.config(port, "token-cursor-1"), false).await(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("following next from the first page walks the whole city in name order, and the last page has no next")
  void next_walksTheCity() {
    List<String> names = new ArrayList<>();
    JsonObject page = ok(CITY + "&size=2");
    assertThat(page.getInteger("page")).as("the first page is numbered page 1").isEqualTo(1);
    names.addAll(names(page));
    int pages = 1;
    while (page.containsKey("next") && pages < 10) {
      page = ok(CITY + "&size=2&cursor=" + page.getString("next"));
      assertThat(page.containsKey("page")).isFalse();
      names.addAll(names(page));
      pages++;
    }
    assertThat(names).containsExactlyElementsOf(KnownRestaurants.newYorkNames());
    assertThat(pages).isEqualTo(3);
    assertThat(page.getBoolean("has_more")).isFalse();
  }

  @Test
  @DisplayName("a filtered listing follows next within its filters")
  void filtered_next() {
    JsonObject first = ok(CITY + "&size=1&kosher_category=dairy&max_price=1");
    JsonObject second = ok(CITY + "&size=1&kosher_category=dairy&max_price=1&cursor=" + first.getString("next"));
    assertThat(names(first)).containsExactly("Empire Bagels");
    assertThat(names(second)).containsExactly("Union Square Pizza");
    assertThat(second.containsKey("next")).isFalse();
  }

  @Test
  @DisplayName("page and cursor together answer 400 naming both")
  void pageAndCursor_is400() {
    String next = ok(CITY + "&size=1").getString("next");
    JsonObject problem = HttpApiTest.assertProblem(get(CITY + "&page=2&cursor=" + next), 400, null);
    assertThat(problem.getJsonArray("parameters")).isEqualTo(JsonArray.of("page", "cursor"));
  }

  @Test
  @DisplayName("a bad, cut, foreign or empty cursor answers 400 naming cursor, never 500")
  void badCursor_is400() {
    String next = ok(CITY + "&size=1").getString("next");
    HttpApiTest.assertProblem(get(CITY + "&cursor=not-a-token"), 400, "cursor");
    HttpApiTest.assertProblem(get(CITY + "&cursor=" + next.substring(0, next.length() - 2)), 400, "cursor");
    HttpApiTest.assertProblem(get("/api/v1/restaurants?city=Brooklyn&cursor=" + next), 400, "cursor");
    HttpApiTest.assertProblem(get(CITY + "&kosher_category=meat&cursor=" + next), 400, "cursor");
    HttpApiTest.assertProblem(get(CITY + "&cursor="), 400, "cursor");
    HttpApiTest.assertProblem(get(CITY + "&cursor=" + next + "&cursor=" + next), 400, "cursor");
    HttpApiTest.assertProblem(get("/api/v1/restaurants?lat=40.7&lng=-74&cursor=" + next), 400, "cursor");
  }

  private JsonObject ok(String uri) {
    HttpResponse<Buffer> response = get(uri);
    assertThat(response.statusCode()).as("status of %s: %s", uri, response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  private HttpResponse<Buffer> get(String uri) {
    return Await.result(client.get(uri).send());
  }

  private static List<String> names(JsonObject page) {
    return page.getJsonArray("items").stream().map(item -> ((JsonObject) item).getString("name")).toList();
  }
}
