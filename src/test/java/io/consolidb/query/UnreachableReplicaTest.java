package io.consolidb.query;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.consolidb.Addresses;
import io.consolidb.http.TestNode;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * A replica that was never reachable (nothing listens on its port): its reads go to the primary,
 * health shows it down with the reason, and the log says so once, not never and not once per poll.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("a read replica unreachable from the start")
class UnreachableReplicaTest {

  private static final String SECRET = "replica-secret-7f3a";
  private final Logger logger = (Logger) LoggerFactory.getLogger(Replicas.class);
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

  @BeforeEach
  void listen() {
    logged.start();
    logger.addAppender(logged);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(logged);
  }

  @Test
  @DisplayName("reads answered by the primary; health shows it down with a reason; one WARN line, no password")
  void unreachableFromTheStart(Vertx vertx) {
    int port = TestNode.freePort();
    QueryTestKit.deploy(vertx, QueryTestKit.config(new JsonObject().put("replicas", new JsonObject()
        .put("urls", "postgresql://consolidb:" + SECRET + "@127.0.0.1:" + port + "/"
            + TestServices.pgConnectOptions().getDatabase()).put("pollMs", 20))));
    String name = "127.0.0.1:" + port;

    Await.until("a WARN that the replica is down", 10_000, () -> !warnings(name).isEmpty());
    // three more down-polls (one each 500 ms): still one line
    long until = System.nanoTime() + 3 * Replicas.DOWN_POLL_MS * 1_000_000L + 200_000_000L;
    while (System.nanoTime() < until) {
      JsonObject read = Await.result(QueryTestKit.send(vertx, Addresses.DB_QUERY, new JsonObject()
          .put("sql", "SELECT pg_is_in_recovery() AS replica").put("readOnly", true)));
      assertThat(read.getJsonArray("rows").getJsonObject(0).getBoolean("replica")).as("served by the primary").isFalse();
    }
    List<String> lines = warnings(name);
    assertThat(lines).as("WARN lines about %s", name).hasSize(1);
    assertThat(lines.get(0)).contains("is down: its reads go to the primary").doesNotContain(SECRET);

    JsonObject replica = QueryTestKit.poolState(vertx).getJsonArray("replicas").getJsonObject(0);
    assertThat(replica.getString("name")).isEqualTo(name);
    assertThat(replica.getString("status")).isEqualTo("down");
    assertThat(replica.getString("reason")).isNotBlank().isNotEqualTo("not polled yet");
    assertThat(replica.getValue("lag_ms")).isNull();
    assertThat(replica.encode()).doesNotContain(SECRET);
  }

  private List<String> warnings(String name) {
    return logged.list.stream().filter(e -> e.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains(name)).toList();
  }
}
