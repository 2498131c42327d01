package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The HTTP API's connection settings on a node serving HTTP alone (the liveness probe needs no
 * service): an idle timeout of 1 s, and at most 3 open connections (no idle timeout there, so
 * that only the cap closes anything).
 */
class ConnectionLimitsTest {

  private static final int MAX_CONNECTIONS = 3;

  private Vertx vertx;
  private ConsolidbNode node;
  private int port;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  private void deploy(int idleTimeoutSeconds) {
    port = TestNode.freePort();
    JsonObject config = new JsonObject()
        .put("environment", "testing")
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port)
            .put("idleTimeoutSeconds", idleTimeoutSeconds).put("maxConnections", MAX_CONNECTIONS))
        .put("database", new JsonObject().put("url", "postgresql://u:p@127.0.0.1:1/db"));
    node = TestNodes.deploy(vertx, config, Component.HTTP);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a connection idle longer than HTTP_IDLE_TIMEOUT_SECONDS is closed by the node")
  void idleConnection_isClosed() throws Exception {
    deploy(1);
    RawConnection connection = RawConnection.get(vertx, port, "/health/live");
    Await.until("the probe is answered", 5_000, () -> connection.received().contains("\"UP\""));
    long answered = System.nanoTime();
    Thread.sleep(500);
    assertThat(connection.isClosed()).as("still open half-way through the idle timeout").isFalse();
    Await.until("the idle connection is closed", 5_000, connection::isClosed);
    assertThat((System.nanoTime() - answered) / 1_000_000).as("not before the timeout").isGreaterThanOrEqualTo(900);
  }

  @Test
  @DisplayName("a connection that never sends a byte is closed by the idle timeout too")
  void silentConnection_isClosed() throws Exception {
    deploy(1);
    RawConnection silent = RawConnection.open(vertx, port);
    Await.until("the silent connection is closed", 5_000, silent::isClosed);
  }

  @Test
  @DisplayName("a connection beyond HTTP_MAX_CONNECTIONS is closed at once; room comes back when one closes")
  void connectionOverTheCap_isClosed() throws Exception {
    deploy(0);
    List<RawConnection> open = new ArrayList<>();
    for (int i = 0; i < MAX_CONNECTIONS; i++) {
      RawConnection connection = RawConnection.get(vertx, port, "/health/live");
      Await.until("connection " + i + " is served", 5_000, () -> connection.received().contains("\"UP\""));
      open.add(connection);
    }
    // Vert.x tells HTTP/1.1 from h2c by the first bytes: the node sees a connection once it sends
    RawConnection refused = RawConnection.get(vertx, port, "/health/live");
    Await.until("the connection over the cap is closed", 2_000, refused::isClosed);
    assertThat(refused.received()).as("closed without an answer").isEmpty();
    assertThat(open).noneMatch(RawConnection::isClosed);
    assertThat(node.registry().get("consolidb.http.connections.refused").counter().count()).isEqualTo(1);

    open.get(0).close();
    Await.until("a new connection is served once one closed", 5_000, () -> {
      try {
        RawConnection next = RawConnection.get(vertx, port, "/health/live");
        Await.until("the probe is answered", 2_000, () -> next.received().contains("\"UP\"") || next.isClosed());
        return next.received().contains("\"UP\"");
      } catch (Exception | AssertionError e) {
        return false; // closed by the cap before the first one's close was seen: try again
      }
    });
  }
}
