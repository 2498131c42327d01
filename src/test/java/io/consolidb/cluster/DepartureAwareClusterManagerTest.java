package io.consolidb.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.ClusterSettings;
import io.consolidb.testsupport.Await;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Four bare clustered Vert.x instances in this JVM: a caller and three members that answer on one
 * address. One member leaves while the removal of its registrations from Hazelcast's
 * subscription map is held up on the caller and on a staying member, as the recovery of a
 * departed member's partitions holds it up in a real cluster (docs/TESTING.md): here by holding
 * the lock vertx-hazelcast takes for that removal. Then a second member leaves while that removal
 * is still held: its membership event waits behind it on the same Hazelcast event thread.
 */
class DepartureAwareClusterManagerTest {

  private static final String MEMBERS = "127.0.0.1:5981,127.0.0.1:5982,127.0.0.1:5983,127.0.0.1:5984";
  private static final String ADDRESS = "departure-test";
  private final List<Vertx> started = new ArrayList<>();

  private Vertx member(int port) throws Exception {
    ClusterSettings settings = new ClusterSettings(true, "127.0.0.1", port, List.of(MEMBERS.split(",")), "",
        port + 100, ClusterSettings.Tls.NONE, "", 0, 6);
    Vertx vertx = Vertx.builder().with(new VertxOptions().setEventBusOptions(HazelcastClusterConfig.eventBusOptions(settings)))
        .withClusterManager(HazelcastClusterConfig.clusterManager(settings)).buildClustered().await(90, TimeUnit.SECONDS);
    started.add(vertx);
    return vertx;
  }

  private static DepartureAwareClusterManager manager(Vertx vertx) {
    return (DepartureAwareClusterManager) ((io.vertx.core.internal.VertxInternal) vertx).clusterManager();
  }

  @AfterEach
  void close() {
    for (Vertx vertx : started) {
      try {
        vertx.close().await(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        // a member whose Hazelcast was shut down under it may fail to close cleanly
      }
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  @DisplayName("a member seen leaving gets no more sends, though its registrations are still in the shared map;"
      + " so does a second one leaving while the first one's removal is still held up")
  void departedMember_getsNoSends_beforeItsRegistrationsAreRemoved() throws Exception {
    Vertx caller = member(5981);
    Vertx staying = member(5982);
    Vertx leaving = member(5983);
    Vertx leavingNext = member(5984);
    staying.eventBus().consumer(ADDRESS, message -> message.reply("staying")).completion().await(30, TimeUnit.SECONDS);
    leaving.eventBus().consumer(ADDRESS, message -> message.reply("leaving")).completion().await(30, TimeUnit.SECONDS);
    leavingNext.eventBus().consumer(ADDRESS, message -> message.reply("leaving next")).completion()
        .await(30, TimeUnit.SECONDS);
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(2000);
    Await.until("the caller's sends reach all three members", 30_000, () -> answersOf(caller, 15, options).size() == 3);

    DepartureAwareClusterManager callerManager = manager(caller);
    DepartureAwareClusterManager stayingManager = manager(staying);
    String leavingNode = manager(leaving).getNodeId();
    String nextNode = manager(leavingNext).getNodeId();
    Set<String> afterFirst;
    Set<String> afterSecond;
    synchronized (callerManager) {
      synchronized (stayingManager) {
        new Thread(() -> manager(leaving).getHazelcastInstance().shutdown()).start();
        Await.until("the caller saw the member leave", 30_000, () -> callerManager.departed(leavingNode));
        afterFirst = answersOf(caller, 20, options);

        // the first removal is still held: the second departure's event waits behind it, the member poll sees it
        new Thread(() -> manager(leavingNext).getHazelcastInstance().shutdown()).start();
        Await.until("the caller saw the second member leave", 30_000, () -> callerManager.departed(nextNode));
        afterSecond = answersOf(caller, 20, options);
      }
    }

    assertThat(afterFirst).as("who answered the caller's sends after the first departure")
        .containsExactlyInAnyOrder("staying", "leaving next");
    assertThat(afterSecond).as("who answered the caller's sends after the second departure").containsExactly("staying");
  }

  /** Who answered {@code sends} requests, one at a time; a failed send answers "failed: ...". */
  private static Set<String> answersOf(Vertx caller, int sends, DeliveryOptions options) {
    Set<String> answers = new HashSet<>();
    for (int i = 0; i < sends; i++) {
      try {
        answers.add(caller.eventBus().<String>request(ADDRESS, "who", options).await(5, TimeUnit.SECONDS).body());
      } catch (Exception e) {
        answers.add("failed: " + e.getMessage());
      }
    }
    return answers;
  }
}
