package io.consolidb.cluster;

import com.hazelcast.config.Config;
import io.vertx.core.Completable;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.NodeInfo;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.core.spi.cluster.RegistrationListener;
import io.vertx.core.spi.cluster.RegistrationUpdateEvent;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hazelcast membership in which only members that proved themselves are sent work.
 *
 * <p>Hazelcast's open-source edition lets any process that reaches the member port and knows
 * the cluster name join. Such a process can put its own handlers in the subscription map; Vert.x
 * would then hand it a share of the round-robin sends, which fail when it cannot pass the event
 * bus's mutual TLS (or, without TLS, are served by it). So each member publishes, with its node
 * information, an attestation: an HMAC-SHA256 under the cluster secret of its node id, event-bus
 * host and port. Registrations of a node whose attestation is missing or wrong are hidden from
 * the event bus, both in lookups and in the updates it is pushed; a node is checked once (a
 * failed check is retried after {@link #RECHECK_MS}). A copied attestation is worthless: it names
 * the node id and address it was made for.
 *
 * <p>What this does not stop: a rogue member can still read and write Hazelcast's maps, e.g.
 * remove other members' subscriptions or overwrite their node information (both deny service,
 * neither lets it serve or call). The Hazelcast port must stay reachable only by members (a
 * NetworkPolicy in k8s/); docs/CLUSTER.md lists what was measured.
 */
public final class AttestedClusterManager extends DepartureAwareClusterManager {

  private static final Logger LOG = LoggerFactory.getLogger(AttestedClusterManager.class);
  static final String ATTESTATION = "consolidb.attestation";
  static final long RECHECK_MS = 5_000;

  private final byte[] secret;
  /** Node id → its check: pending, passed (true) or failed (false, tried again after {@link #RECHECK_MS}). */
  private final ConcurrentMap<String, Check> checks = new ConcurrentHashMap<>();
  /** Node id → the addresses whose registrations of it were held back while it was checked. */
  private final ConcurrentMap<String, Set<String>> heldBack = new ConcurrentHashMap<>();

  private record Check(CompletableFuture<Boolean> passed, long startedAt) {

    boolean failedLongAgo(long now) {
      return passed.isDone() && !passed.join() && now - startedAt > RECHECK_MS;
    }
  }

  public AttestedClusterManager(Config config, String secret) {
    super(config);
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void setNodeInfo(NodeInfo nodeInfo, Completable<Void> promise) {
    JsonObject metadata = nodeInfo.metadata() == null ? new JsonObject() : nodeInfo.metadata().copy();
    metadata.put(ATTESTATION, attestation(getNodeId(), nodeInfo.host(), nodeInfo.port()));
    super.setNodeInfo(new NodeInfo(nodeInfo.host(), nodeInfo.port(), metadata), promise);
  }

  /** A lookup waits for the checks of nodes not seen before, so a first send finds them. */
  @Override
  protected void routable(String address, List<RegistrationInfo> registrations,
      Completable<List<RegistrationInfo>> promise) {
    CompletableFuture<?>[] pending = registrations.stream().map(RegistrationInfo::nodeId).distinct()
        .filter(node -> !node.equals(getNodeId())).map(node -> check(node).passed()).toArray(CompletableFuture[]::new);
    CompletableFuture.allOf(pending).whenComplete((done, error) -> promise.succeed(attestedOnly(address, registrations)));
  }

  @Override
  protected List<RegistrationInfo> updateFilter(String address, List<RegistrationInfo> registrations) {
    return attestedOnly(address, registrations);
  }

  /** True when {@code node} proved itself (this node always has). */
  public boolean attested(String node) {
    if (node.equals(getNodeId())) {
      return true;
    }
    Check check = checks.get(node);
    return check != null && check.passed().isDone() && check.passed().join();
  }

  /**
   * The registrations of attested nodes. A node whose check is still pending is held back and
   * checked; once it passes, the event bus is told the address's registrations again.
   */
  private List<RegistrationInfo> attestedOnly(String address, List<RegistrationInfo> registrations) {
    List<RegistrationInfo> kept = new ArrayList<>(registrations.size());
    for (RegistrationInfo registration : registrations) {
      String node = registration.nodeId();
      if (attested(node)) {
        kept.add(registration);
      } else {
        heldBack.computeIfAbsent(node, n -> ConcurrentHashMap.newKeySet()).add(address);
        check(node);
      }
    }
    return kept;
  }

  /** The node's check, started when there is none yet or the last one failed a while ago. */
  private Check check(String node) {
    long now = System.currentTimeMillis();
    Check fresh = new Check(new CompletableFuture<>(), now);
    Check current = checks.compute(node, (n, existing) -> existing == null || existing.failedLongAgo(now)
        ? fresh : existing);
    if (current == fresh) {
      getNodeInfo(node, (info, failure) -> {
        boolean passed = failure == null && info != null && valid(node, info);
        if (!passed) {
          LOG.warn("cluster: member {} ({}) shows no valid attestation: no work is sent to it", node,
              info == null ? "no node information" : info.host() + ":" + info.port());
        }
        fresh.passed().complete(passed);
        if (passed) {
          tellAgain(node);
        }
      });
    }
    return current;
  }

  private boolean valid(String node, NodeInfo info) {
    String shown = info.metadata() == null ? "" : info.metadata().getString(ATTESTATION, "");
    return MessageDigest.isEqual(attestation(node, info.host(), info.port()).getBytes(StandardCharsets.UTF_8),
        shown.getBytes(StandardCharsets.UTF_8));
  }

  private void tellAgain(String node) {
    RegistrationListener listener = selector();
    Set<String> addresses = heldBack.remove(node);
    if (listener == null || addresses == null) {
      return;
    }
    for (String address : addresses) {
      if (listener.wantsUpdatesFor(address)) {
        getRegistrations(address, (registrations, failure) -> {
          if (failure == null) {
            listener.registrationsUpdated(new RegistrationUpdateEvent(address, registrations));
          }
        });
      }
    }
  }

  String attestation(String node, String host, int port) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      byte[] digest = mac.doFinal((node + "|" + host + "|" + port).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
