package io.consolidb.http;

import static io.consolidb.http.HttpApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.analytics.KnownEvents;
import io.consolidb.testsupport.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code Idempotency-Key} on every write route, end to end against PostgreSQL: a replay answers
 * the first answer without writing, another request with the key answers 422, concurrent requests
 * with one key write once, bad keys answer 400, and keys of different operations never collide.
 */
@ExtendWith(VertxExtension.class)
class IdempotencyApiTest {

  private static final String TOKEN = "test-api-token-idem";
  private static final String KEY = "Idempotency-Key";
  private static final String REPLAYED = "Idempotency-Replayed";
  private static TestNode node;
  private WebClient client;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("http_idem");
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext ctx) {
    node.reseed();
    node.execute("TRUNCATE users RESTART IDENTITY CASCADE", "DELETE FROM analytics_events", "TRUNCATE idempotency_keys");
    int port = TestNode.freePort();
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    TestNode.deployServicesAndHttp(vertx, node.config(port, TOKEN), false).onComplete(ctx.succeedingThenComplete());
  }

  private HttpRequest<Buffer> keyed(HttpRequest<Buffer> request, String key) {
    return request.bearerTokenAuthentication(TOKEN).putHeader(KEY, key);
  }

  private static HttpResponse<Buffer> send(HttpRequest<Buffer> request, Object body) {
    return Await.result(body == null ? request.send() : request.sendJson(body));
  }

  private static JsonObject restaurant(String name) {
    return new JsonObject().put("name", name).put("city", "Miami").put("latitude", 25.77).put("longitude", -80.19)
        .put("rating", 4.5).put("hours", new JsonObject().put("mon", "9-17"));
  }

  private static void assertReplay(HttpResponse<Buffer> first, HttpResponse<Buffer> again) {
    assertThat(first.getHeader(REPLAYED)).as("the first answer is not a replay").isNull();
    assertThat(again.statusCode()).as(again.bodyAsString()).isEqualTo(first.statusCode());
    assertThat(again.bodyAsString()).isEqualTo(first.bodyAsString());
    assertThat(again.getHeader(REPLAYED)).isEqualTo("true");
  }

  @Test
  @DisplayName("a replayed POST /restaurants answers the first answer (status, body, Location) and creates once")
  void restaurantCreate_replay() {
    HttpRequest<Buffer> post = keyed(client.post("/api/v1/restaurants"), "create-1");
    HttpResponse<Buffer> first = send(post, restaurant("Idem Deli"));
    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(201);
    // the same request with its fields in another order is the same request
    JsonObject reordered = new JsonObject().put("hours", new JsonObject().put("mon", "9-17")).put("rating", 4.5)
        .put("longitude", -80.19).put("latitude", 25.77).put("city", "Miami").put("name", "Idem Deli");
    HttpResponse<Buffer> again = send(keyed(client.post("/api/v1/restaurants"), "create-1"), reordered);
    assertReplay(first, again);
    assertThat(again.getHeader("Location")).isEqualTo(first.getHeader("Location"));
    assertThat(node.queryLong("SELECT count(*) FROM restaurants WHERE name = 'Idem Deli'")).isEqualTo(1);
    assertThat(node.queryLong("SELECT count(*) FROM idempotency_keys")).isEqualTo(1);
  }

  @Test
  @DisplayName("the same key with another body answers 422 problem and writes nothing")
  void restaurantCreate_otherBody422() {
    send(keyed(client.post("/api/v1/restaurants"), "create-2"), restaurant("First Deli"));
    HttpResponse<Buffer> other = send(keyed(client.post("/api/v1/restaurants"), "create-2"), restaurant("Other Deli"));
    JsonObject problem = assertProblem(other, 422, null);
    assertThat(problem.getString("detail")).contains("already used").contains("different");
    assertThat(node.queryLong("SELECT count(*) FROM restaurants WHERE name = 'Other Deli'")).isZero();
  }

  @Test
  @DisplayName("PUT/PATCH and DELETE of a restaurant replay their first answers without writing again")
  void restaurantUpdateDelete_replay() {
    long id = send(keyed(client.post("/api/v1/restaurants"), "c"), restaurant("Patched")).bodyAsJsonObject()
        .getLong("id");
    String path = "/api/v1/restaurants/" + id;
    JsonObject patch = new JsonObject().put("rating", 4.0);
    HttpResponse<Buffer> first = send(keyed(client.patch(path), "patch-1"), patch);
    assertThat(first.statusCode()).isEqualTo(200);
    // someone else changes it since; the replay answers what the keyed request did, and changes nothing
    send(client.patch(path).bearerTokenAuthentication(TOKEN), new JsonObject().put("rating", 3.0));
    assertReplay(first, send(keyed(client.patch(path), "patch-1"), patch));
    assertThat(node.queryLong("SELECT (rating * 10)::bigint FROM restaurants WHERE id = " + id)).isEqualTo(30);
    HttpResponse<Buffer> put = send(keyed(client.put(path), "put-1"), new JsonObject().put("phone", "555"));
    assertReplay(put, send(keyed(client.put(path), "put-1"), new JsonObject().put("phone", "555")));

    HttpResponse<Buffer> deleted = send(keyed(client.delete(path), "delete-1"), null);
    assertThat(deleted.statusCode()).isEqualTo(204);
    assertReplay(deleted, send(keyed(client.delete(path), "delete-1"), null));
    // without the key the same delete finds nothing: the replay really is the stored answer
    assertProblem(send(client.delete(path).bearerTokenAuthentication(TOKEN), null), 404, null);
  }

  @Test
  @DisplayName("users: create, update and delete replay their first answers and write once")
  void users_replay() {
    JsonObject user = new JsonObject().put("email", "ada@example.com").put("display_name", "Ada");
    HttpResponse<Buffer> created = send(keyed(client.post("/api/v1/users"), "u-create"), user);
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    HttpResponse<Buffer> again = send(keyed(client.post("/api/v1/users"), "u-create"), user);
    assertReplay(created, again);
    assertThat(again.getHeader("Location")).isEqualTo(created.getHeader("Location"));
    assertThat(node.queryLong("SELECT count(*) FROM users")).isEqualTo(1);

    JsonObject patch = new JsonObject().put("home_city", "Miami").put("preferences", new JsonObject().put("price_range", 2));
    HttpResponse<Buffer> patched = send(keyed(client.patch("/api/v1/users/1"), "u-patch"), patch);
    assertThat(patched.statusCode()).isEqualTo(200);
    assertReplay(patched, send(keyed(client.patch("/api/v1/users/1"), "u-patch"), patch));

    HttpResponse<Buffer> deleted = send(keyed(client.delete("/api/v1/users/1"), "u-delete"), null);
    assertThat(deleted.statusCode()).isEqualTo(204);
    assertReplay(deleted, send(keyed(client.delete("/api/v1/users/1"), "u-delete"), null));
  }

  @Test
  @DisplayName("favourites: a replayed add answers 201 again (not 200), a replayed remove 204, one row each time")
  void favorites_replay() {
    send(keyed(client.post("/api/v1/users"), "u"), new JsonObject().put("email", "fav@example.com"));
    String path = "/api/v1/users/1/favorites/2";
    HttpResponse<Buffer> added = send(keyed(client.put(path), "fav-add"), null);
    assertThat(added.statusCode()).as(added.bodyAsString()).isEqualTo(201);
    assertReplay(added, send(keyed(client.put(path), "fav-add"), null));
    assertThat(node.queryLong("SELECT count(*) FROM favorites")).isEqualTo(1);
    // the same key for another restaurant is another request
    assertProblem(send(keyed(client.put("/api/v1/users/1/favorites/3"), "fav-add"), null), 422, null);

    HttpResponse<Buffer> removed = send(keyed(client.delete(path), "fav-remove"), null);
    assertThat(removed.statusCode()).isEqualTo(204);
    send(keyed(client.put(path), "fav-add-again"), null); // added back since
    assertReplay(removed, send(keyed(client.delete(path), "fav-remove"), null));
    assertThat(node.queryLong("SELECT count(*) FROM favorites")).as("the replayed remove removed nothing").isEqualTo(1);
  }

  @Test
  @DisplayName("a replayed analytics batch answers {recorded: n} again and records the events once")
  void analyticsBatch_replay() {
    JsonArray batch = KnownEvents.all();
    HttpResponse<Buffer> first = send(keyed(client.post("/api/v1/analytics/events"), "batch-1"), batch);
    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(201);
    assertReplay(first, send(keyed(client.post("/api/v1/analytics/events"), "batch-1"), batch));
    assertThat(node.queryLong("SELECT count(*) FROM analytics_events")).isEqualTo(batch.size());
    JsonArray shorter = batch.copy();
    shorter.remove(0);
    assertProblem(send(keyed(client.post("/api/v1/analytics/events"), "batch-1"), shorter), 422, null);
    assertThat(node.queryLong("SELECT count(*) FROM analytics_events")).isEqualTo(batch.size());
  }

  @Test
  @DisplayName("a malformed Idempotency-Key answers 400 naming the header, and nothing is written")
  void badKeys_400() {
    String tooLong = "k".repeat(256);
    for (String bad : List.of("", "two words", tooLong, "tab\tkey")) {
      HttpResponse<Buffer> response = send(keyed(client.post("/api/v1/restaurants"), bad), restaurant("Bad Key"));
      JsonObject problem = assertProblem(response, 400, KEY);
      assertThat(problem.getString("detail")).as("key [%s]", bad).contains("Idempotency-Key must be 1 to 255 visible ASCII");
    }
    HttpRequest<Buffer> twice = client.delete("/api/v1/restaurants/1").bearerTokenAuthentication(TOKEN);
    twice.headers().add(KEY, "a").add(KEY, "b");
    assertProblem(send(twice, null), 400, KEY);
    assertThat(send(keyed(client.post("/api/v1/restaurants"), "k".repeat(255)), restaurant("Longest Key"))
        .statusCode()).as("255 characters are fine").isEqualTo(201);
    assertThat(node.queryLong("SELECT count(*) FROM restaurants WHERE name = 'Bad Key'")).isZero();
    assertThat(node.queryLong("SELECT count(*) FROM restaurants WHERE id = 1")).isEqualTo(1);
  }

  @Test
  @DisplayName("one key used on two operations is two keys: neither answer is a replay of the other")
  void sameKey_otherOperation() {
    HttpResponse<Buffer> restaurant = send(keyed(client.post("/api/v1/restaurants"), "shared"), restaurant("Shared"));
    HttpResponse<Buffer> user = send(keyed(client.post("/api/v1/users"), "shared"),
        new JsonObject().put("email", "shared@example.com"));
    HttpResponse<Buffer> deleted = send(keyed(client.delete("/api/v1/restaurants/1"), "shared"), null);
    assertThat(List.of(restaurant.statusCode(), user.statusCode(), deleted.statusCode())).containsExactly(201, 201, 204);
    assertThat(List.of(restaurant, user, deleted)).allSatisfy(r -> assertThat(r.getHeader(REPLAYED)).isNull());
    assertThat(node.queryLong("SELECT count(*) FROM idempotency_keys WHERE idem_key = 'shared'")).isEqualTo(3);
  }

  @Test
  @DisplayName("a write the database refuses stores no key: the client fixes the cause and retries with the same key")
  void failedWrite_storesNoKey() {
    send(client.post("/api/v1/users").bearerTokenAuthentication(TOKEN), new JsonObject().put("email", "taken@example.com"));
    JsonObject user = new JsonObject().put("email", "TAKEN@example.com");
    assertProblem(send(keyed(client.post("/api/v1/users"), "retry-me"), user), 409, null);
    assertThat(node.queryLong("SELECT count(*) FROM idempotency_keys")).as("the key rolled back with the write").isZero();
    assertProblem(send(keyed(client.delete("/api/v1/users/99"), "gone"), null), 404, null);
    assertThat(node.queryLong("SELECT count(*) FROM idempotency_keys")).isZero();

    send(client.delete("/api/v1/users/1").bearerTokenAuthentication(TOKEN), null);
    HttpResponse<Buffer> retried = send(keyed(client.post("/api/v1/users"), "retry-me"), user);
    assertThat(retried.statusCode()).as(retried.bodyAsString()).isEqualTo(201);
    assertThat(retried.getHeader(REPLAYED)).isNull();
  }

  @Test
  @DisplayName("concurrent POSTs with one key, held at the table and released together, create exactly one row")
  void concurrentSameKey_writeOnce(Vertx vertx) throws Exception {
    int requests = 4; // the test node's pool size: every request holds a connection while it waits
    List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
    try (Connection blocker = node.connection(); Statement s = blocker.createStatement()) {
      blocker.setAutoCommit(false);
      // INSERTs wait for this lock; the key lookups before them (reads) do not
      s.execute("LOCK TABLE restaurants IN SHARE ROW EXCLUSIVE MODE");
      for (int i = 0; i < requests; i++) {
        sent.add(keyed(client.post("/api/v1/restaurants"), "race").sendJson(restaurant("Race Deli")));
      }
      Await.until("every request waits at the lock", 10_000, () -> node.queryLong(
          "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'restaurants'::regclass") == requests);
      blocker.commit(); // all of them go at once
    }
    List<HttpResponse<Buffer>> answers = sent.stream().map(Await::result).toList();
    assertThat(answers).allSatisfy(a -> assertThat(a.statusCode()).as(a.bodyAsString()).isEqualTo(201));
    assertThat(answers.stream().map(HttpResponse::bodyAsString).distinct()).hasSize(1);
    assertThat(answers.stream().filter(a -> a.getHeader(REPLAYED) == null)).as("one request wrote").hasSize(1);
    assertThat(node.queryLong("SELECT count(*) FROM restaurants WHERE name = 'Race Deli'")).isEqualTo(1);
  }

  @Test
  @DisplayName("concurrent analytics batches with one key record the events once")
  void concurrentBatch_recordOnce() throws Exception {
    JsonArray batch = KnownEvents.all();
    int requests = 4;
    List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
    try (Connection blocker = node.connection(); Statement s = blocker.createStatement()) {
      blocker.setAutoCommit(false);
      s.execute("LOCK TABLE idempotency_keys IN SHARE ROW EXCLUSIVE MODE");
      for (int i = 0; i < requests; i++) {
        sent.add(keyed(client.post("/api/v1/analytics/events"), "race-batch").sendJson(batch));
      }
      Await.until("every batch waits at the key's lock", 10_000, () -> node.queryLong(
          "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'idempotency_keys'::regclass") == requests);
      blocker.commit();
    }
    List<HttpResponse<Buffer>> answers = sent.stream().map(Await::result).toList();
    assertThat(answers).allSatisfy(a -> assertThat(a.statusCode()).as(a.bodyAsString()).isEqualTo(201));
    assertThat(node.queryLong("SELECT count(*) FROM analytics_events")).isEqualTo(batch.size());
  }

  @Test
  @DisplayName("a write that timed out (504) committed nothing: the retry with the same key writes it, once")
  void timedOutWrite_retriedWithTheKey() throws Exception {
    HttpResponse<Buffer> timedOut;
    try (Connection blocker = node.connection(); Statement s = blocker.createStatement()) {
      blocker.setAutoCommit(false);
      s.execute("LOCK TABLE restaurants IN SHARE ROW EXCLUSIVE MODE"); // the INSERT waits past the 3 s query timeout
      timedOut = send(keyed(client.post("/api/v1/restaurants"), "slow-1"), restaurant("Slow Deli"));
      // the node cancels the statement after its 504; released before the cancel lands, the INSERT
      // would commit after all (the "outcome unknown" a 504 means, covered by the replay tests)
      Await.until("the timed-out INSERT is cancelled", 10_000, () -> node.queryLong("SELECT count(*) FROM"
          + " pg_stat_activity WHERE query LIKE 'WITH w AS (INSERT INTO restaurants%' AND pid <> pg_backend_pid()"
          + " AND state = 'active'") == 0);
      blocker.rollback();
    }
    assertProblem(timedOut, 504, null);
    HttpResponse<Buffer> retried = send(keyed(client.post("/api/v1/restaurants"), "slow-1"), restaurant("Slow Deli"));
    assertThat(retried.statusCode()).as(retried.bodyAsString()).isEqualTo(201);
    assertThat(retried.getHeader(REPLAYED)).as("nothing had been stored: this is the write").isNull();
    assertReplay(retried, send(keyed(client.post("/api/v1/restaurants"), "slow-1"), restaurant("Slow Deli")));
    assertThat(node.queryLong("SELECT count(*) FROM restaurants WHERE name = 'Slow Deli'")).isEqualTo(1);
  }

  @Test
  @DisplayName("concurrent DELETEs with one key, held at the row: one deletes, the others answer its 204, none 404")
  void concurrentDelete_answerTheFirst() throws Exception {
    int requests = 4;
    List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
    try (Connection blocker = node.connection(); Statement s = blocker.createStatement()) {
      blocker.setAutoCommit(false);
      s.execute("SELECT id FROM restaurants WHERE id = 1 FOR UPDATE");
      for (int i = 0; i < requests; i++) {
        sent.add(keyed(client.delete("/api/v1/restaurants/1"), "race-delete").send());
      }
      Await.until("every delete waits for the row", 10_000, () -> node.queryLong(
          "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
              + " AND query LIKE 'WITH w AS (DELETE FROM restaurants%'") == requests);
      blocker.commit();
    }
    List<HttpResponse<Buffer>> answers = sent.stream().map(Await::result).toList();
    // the losers found nothing left to delete; they read the key again instead of answering 404
    assertThat(answers).allSatisfy(a -> assertThat(a.statusCode()).as(a.bodyAsString()).isEqualTo(204));
    assertThat(answers.stream().filter(a -> a.getHeader(REPLAYED) == null)).as("one request deleted").hasSize(1);
  }
}
