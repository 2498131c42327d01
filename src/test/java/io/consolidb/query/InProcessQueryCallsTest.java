package io.consolidb.query;

import static io.consolidb.query.QueryTestKit.assertFailsWith;
import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.cache.CacheSpec;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.TestNodes;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code ConsolidbNode.queries()}: the node's services reach its query verticle in-process, with
 * what the event bus gave them (failure codes, the answer on the caller's context, 503 while the
 * verticle is not running) and no message on {@code consolidb.db.query}.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("In-process calls of the query endpoint (the node's own QueryClient)")
class InProcessQueryCallsTest {

  private QueryTestKit.TestSchema schema;
  private String items;
  private Vertx vertx;
  private ConsolidbNode node;
  private QueryClient queries;
  private final AtomicInteger messages = new AtomicInteger();

  @BeforeEach
  void deploy(Vertx vertx) {
    this.vertx = vertx;
    schema = new QueryTestKit.TestSchema(vertx);
    items = schema.table("items");
    schema.exec("CREATE TABLE " + items + " (id int PRIMARY KEY, name text NOT NULL);"
        + " INSERT INTO " + items + " VALUES (1, 'one'), (2, 'two')");
    node = TestNodes.deploy(vertx, QueryTestKit.config(QueryTestKit.pool(4)), Component.QUERY);
    queries = node.queries();
    vertx.eventBus().addOutboundInterceptor(delivery -> {
      if (Addresses.DB_QUERY.equals(delivery.message().address())) {
        messages.incrementAndGet();
      }
      delivery.next();
    });
  }

  @AfterEach
  void dropSchema() {
    schema.drop();
  }

  @Test
  @DisplayName("reads, lookups and writes answer without a message, on the caller's context")
  void noMessage_answerOnCallersContext() {
    Context caller = vertx.getOrCreateContext();
    List<Supplier<Future<QueryResult>>> calls = List.of(
        () -> queries.read("test", "SELECT name FROM " + items + " WHERE id = $1", JsonArray.of(1)),
        () -> queries.lookup("test", "SELECT name FROM " + items + " WHERE id = $1", JsonArray.of(2)),
        // a caching spec on a node without a cache: answered from the database, never marked cached
        () -> queries.lookupCached("test", "SELECT name FROM " + items + " WHERE id = $1", JsonArray.of(2),
            new CacheSpec(60, "items:2", List.of("items"))),
        () -> queries.write("test", "UPDATE " + items + " SET name = 'uno' WHERE id = 1", null, List.of("items")),
        () -> queries.query(new JsonObject().put("sql", "SELECT name FROM " + items + " WHERE id = 1")
            .put("readOnly", true)));
    List<String> answers = new java.util.ArrayList<>();
    for (Supplier<Future<QueryResult>> call : calls) {
      Promise<Context> answeredOn = Promise.promise();
      caller.runOnContext(v -> call.get().onComplete(done -> {
        if (done.succeeded()) {
          answers.add(done.result().rows().isEmpty() ? "" : done.result().firstRow().getString("name", ""));
          assertThat(done.result().cached()).isFalse();
        }
        answeredOn.complete(Vertx.currentContext());
      }));
      Context on = Await.result(answeredOn.future());
      assertThat(((io.vertx.core.internal.ContextInternal) on).unwrap())
          .as("the answer's context").isSameAs(((io.vertx.core.internal.ContextInternal) caller).unwrap());
    }
    assertThat(answers).containsExactly("one", "two", "two", "", "uno");
    assertThat(messages.get()).as("messages to the query verticle").isZero();
  }

  @Test
  @DisplayName("failures carry the codes an event-bus caller gets: 400 bad input, 409 conflict, 400 bad SQL")
  void failures_keepTheirCodes() {
    assertFailsWith(FailureCodes.INVALID_INPUT, () -> Await.result(queries.query(new JsonObject()
        .put("sql", "SELECT 1").put("timeoutMs", "soon"))))
        .hasMessageContaining("timeoutMs");
    assertFailsWith(FailureCodes.INVALID_INPUT, () -> Await.result(queries.query(new JsonObject()
        .put("sql", "SELECT 1").put("invalidate", "everything"))))
        .hasMessageContaining("invalidate");
    assertFailsWith(FailureCodes.CONFLICT, () -> Await.result(
        queries.write("test", "INSERT INTO " + items + " VALUES (1, 'again')", null)));
    assertFailsWith(FailureCodes.INVALID_INPUT, () -> Await.result(queries.read("test", "SELEC nothing", null)));
    assertThat(messages.get()).isZero();
    assertThat(Await.result(queries.read("test", "SELECT count(*) AS n FROM " + items, null)).firstRow()
        .getLong("n")).as("nothing was written by the refused calls").isEqualTo(2);
  }

  @Test
  @DisplayName("the request is the client's own copy: the caller may reuse its object at once")
  void callersObject_mayChangeAfterTheCall() {
    JsonObject request = new JsonObject().put("sql", "SELECT name FROM " + items + " WHERE id = 1").put("readOnly", true);
    Future<QueryResult> first = queries.query(request);
    request.put("sql", "SELECT name FROM " + items + " WHERE id = 2");
    Future<QueryResult> second = queries.query(request);
    assertThat(Await.result(first).firstRow().getString("name")).isEqualTo("one");
    assertThat(Await.result(second).firstRow().getString("name")).isEqualTo("two");
  }

  @Test
  @DisplayName("once the query verticle is gone the call goes to the event bus and answers 503")
  void verticleGone_503() {
    Await.result(node.undeploy());
    assertFailsWith(FailureCodes.UNAVAILABLE, () -> Await.result(queries.read("test", "SELECT 1", null)))
        .hasMessageContaining("not running");
    assertThat(messages.get()).as("the fallback is the event bus").isEqualTo(1);
  }
}
