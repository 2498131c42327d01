package io.consolidb.cluster;

import com.hazelcast.cluster.Cluster;
import com.hazelcast.cluster.InitialMembershipEvent;
import com.hazelcast.cluster.InitialMembershipListener;
import com.hazelcast.cluster.MembershipEvent;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is in the cluster, as this node sees it (docs/HEALTH.md, "Cluster"). Deployed by the node
 * only when it is clustered, it listens to Hazelcast's membership events and keeps an immutable
 * {@link View} that the health report and the gauge {@code consolidb.cluster.members} read.
 *
 * <p>Each join is logged once at INFO and each departure once at WARN, naming the member. Either
 * change drops this node's local cache tier: a member that left, or one that was partitioned away
 * and merges back, may have written while its invalidations could not reach this node.
 *
 * <p>Vert.x's own HA manager owns {@code ClusterManager.nodeListener}, so this listens on
 * Hazelcast directly. Hazelcast calls the listener on its event threads: the listener only swaps the
 * view (thread-safe, under this object's monitor) and logs; the cache drop runs on this verticle's
 * context and each {@linkplain #addListener listener} on its own.
 */
public final class ClusterMembership extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterMembership.class);
  /** The gauge of the current member count (Prometheus {@code consolidb_cluster_members}). */
  public static final String GAUGE = "consolidb.cluster.members";

  /** One member: its Hazelcast address ({@code host:port}) and UUID (also its Vert.x node id). */
  public record Member(String address, String id) {

    static Member of(com.hazelcast.cluster.Member member) {
      return new Member(address(member.getAddress().getHost(), member.getAddress().getPort()),
          member.getUuid().toString());
    }

    /** {@code host:port}, an IPv6 host in brackets. */
    static String address(String host, int port) {
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
      return address + " (" + id + ")";
    }
  }

  /**
   * The membership at one moment.
   *
   * @param members every current member, oldest first (Hazelcast's order; the first one is the
   *     member that coordinates the cluster)
   * @param self this node's member
   * @param lastChange when this node last saw a member join or leave; at first, when it joined
   */
  public record View(List<Member> members, Member self, Instant lastChange, int clients) {

    public View {
      members = List.copyOf(members);
    }

    /** A view without client applications (lite members). */
    public View(List<Member> members, Member self, Instant lastChange) {
      this(members, self, lastChange, 0);
    }

    public int size() {
      return members.size();
    }

    /**
     * The {@code cluster} section of the health report: {@code {enabled, members, this_member,
     * last_change, member_list: [{address, id, self}]}}.
     */
    public JsonObject toJson() {
      JsonArray list = new JsonArray();
      members.forEach(m -> list.add(new JsonObject().put("address", m.address()).put("id", m.id())
          .put("self", m.equals(self))));
      return new JsonObject()
          .put("enabled", true)
          .put("members", size())
          .put("this_member", self.address())
          .put("last_change", lastChange.toString())
          .put("member_list", list)
          .put("clients", clients);
    }

    /**
     * Nodes are full members; applications that call the services join as lite members
     * ({@link HazelcastClusterConfig#clientClusterManager}) and are only counted.
     */
    static View of(Collection<com.hazelcast.cluster.Member> members, Member self, Instant at) {
      return new View(members.stream().filter(m -> !m.isLiteMember()).map(Member::of).toList(), self, at,
          (int) members.stream().filter(com.hazelcast.cluster.Member::isLiteMember).count());
    }
  }

  private record Listener(Context context, Consumer<View> handler) {
  }

  private final MeterRegistry registry;
  private final LongSupplier dropLocalTier;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private volatile View view;
  private volatile boolean stopped;
  private Cluster cluster;
  private UUID registration;
  private Gauge gauge;

  /**
   * @param registry the node's registry, where the member-count gauge goes
   * @param dropLocalTier drops the node's local cache tier and answers how many entries went; null
   *     when the node does not cache
   */
  public ClusterMembership(MeterRegistry registry, LongSupplier dropLocalTier) {
    this.registry = registry;
    this.dropLocalTier = dropLocalTier;
  }

  @Override
  public Future<?> start() {
    ClusterManager manager = ((VertxInternal) vertx).clusterManager();
    if (!(manager instanceof HazelcastClusterManager hazelcast)) {
      return Future.failedFuture(new IllegalStateException("cluster membership needs Vert.x clustered with"
          + " Hazelcast; the cluster manager is " + (manager == null ? "none" : manager.getClass().getName())));
    }
    cluster = hazelcast.getHazelcastInstance().getCluster();
    // Registering takes Hazelcast's cluster-service lock, held while the member list changes, and
    // delivers the initial membership before it returns: not on an event loop.
    return vertx.executeBlocking(() -> cluster.addMembershipListener(new HazelcastListener()), false)
        .onSuccess(id -> {
          registration = id;
          gauge = Gauge.builder(GAUGE, this, ClusterMembership::memberCount)
              .description("members of the cluster as this node sees them")
              .strongReference(true)
              .register(registry);
        });
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    listeners.clear();
    if (gauge != null) {
      registry.remove(gauge);
    }
    if (registration == null) {
      return Future.succeededFuture();
    }
    UUID id = registration;
    return vertx.executeBlocking(() -> cluster.removeMembershipListener(id), false)
        .otherwise(failure -> {
          // Hazelcast already gone: its listeners went with it
          LOG.debug("cluster: membership listener not removed ({})", failure.toString());
          return false;
        });
  }

  /** The current membership; null until the verticle has started. Thread-safe. */
  public View view() {
    return view;
  }

  /**
   * Calls {@code handler} on {@code context} after each join or departure, with the view that
   * followed it. Thread-safe.
   */
  public void addListener(Context context, Consumer<View> handler) {
    listeners.add(new Listener(context, handler));
  }

  /** Removes every registration of {@code handler}. */
  public void removeListener(Consumer<View> handler) {
    listeners.removeIf(l -> l.handler() == handler);
  }

  private double memberCount() {
    View current = view;
    return current == null ? Double.NaN : current.size();
  }

  /** Replaces the view with the members Hazelcast has now; serialized, so a view never goes back. */
  private synchronized View update(Cluster source) {
    View next = View.of(source.getMembers(), Member.of(source.getLocalMember()), Instant.now());
    view = next;
    return next;
  }

  /** On this verticle's context: the local tier may hide invalidations the membership change lost. */
  private void dropLocalTier(String change) {
    if (dropLocalTier == null || stopped) {
      return;
    }
    long dropped = dropLocalTier.getAsLong();
    LOG.info("cluster: {}; dropped the local cache tier ({} entries): invalidations from a departed or"
        + " partitioned member may not have reached this node", change, dropped);
  }

  /** Runs on Hazelcast's event threads: swaps the view and logs, never blocks. */
  private final class HazelcastListener implements InitialMembershipListener {

    @Override
    public void init(InitialMembershipEvent event) {
      View first;
      synchronized (ClusterMembership.this) {
        first = View.of(event.getMembers(), Member.of(event.getCluster().getLocalMember()), Instant.now());
        view = first;
      }
      LOG.info("cluster: this node is member {}; {} {}: {}", first.self(), first.size(),
          first.size() == 1 ? "member" : "members", first.members());
    }

    @Override
    public void memberAdded(MembershipEvent event) {
      changed(event, "joined");
    }

    @Override
    public void memberRemoved(MembershipEvent event) {
      changed(event, "left");
    }

    private void changed(MembershipEvent event, String what) {
      if (stopped) {
        return;
      }
      View now = update(event.getCluster());
      if (event.getMember().isLiteMember()) {
        // an application calling the services: it serves nothing and publishes no invalidation
        LOG.info("cluster: client application {} {}, {} connected", Member.of(event.getMember()), what, now.clients());
        notifyListeners(now);
        return;
      }
      String change = "member " + Member.of(event.getMember()) + " " + what + ", " + now.size()
          + (now.size() == 1 ? " member" : " members");
      if (event.getEventType() == MembershipEvent.MEMBER_REMOVED) {
        LOG.warn("cluster: {}", change);
      } else {
        LOG.info("cluster: {}", change);
      }
      context.runOnContext(v -> dropLocalTier(change));
      notifyListeners(now);
    }

    private void notifyListeners(View now) {
      for (Listener listener : listeners) {
        listener.context().runOnContext(v -> listener.handler().accept(now));
      }
    }
  }
}
