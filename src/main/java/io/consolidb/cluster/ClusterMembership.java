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
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
 * Hazelcast directly, and also compares its view with Hazelcast's member list every
 * {@value #POLL_MS} ms: an event can wait on Hazelcast's event threads behind vertx-hazelcast's
 * listener, which runs blocking map operations there that retry while partitions migrate (in a CI
 * run after a split and merge, nodes' views disagreed for over 20 s; docs/TESTING.md). Whichever
 * sees a change first handles it, under this object's monitor; the cache drop runs on this
 * verticle's context and each {@linkplain #addListener listener} on its own.
 */
public final class ClusterMembership extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterMembership.class);
  /** The gauge of the current member count (Prometheus {@code consolidb_cluster_members}). */
  public static final String GAUGE = "consolidb.cluster.members";
  /**
   * How often the view is compared with Hazelcast's member list, in case an event is held up:
   * a quarter of the heartbeat interval, a local read each time.
   */
  static final long POLL_MS = 250;

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
  private volatile Snapshot snapshot;
  private volatile boolean stopped;
  private Cluster cluster;
  private UUID registration;
  private long poll = -1;
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
          poll = vertx.setPeriodic(POLL_MS, tick -> reconcile());
          gauge = Gauge.builder(GAUGE, this, ClusterMembership::memberCount)
              .description("members of the cluster as this node sees them")
              .strongReference(true)
              .register(registry);
        });
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(poll);
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
    Snapshot current = snapshot;
    return current == null ? null : current.view();
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
    View current = view();
    return current == null ? Double.NaN : current.size();
  }

  /**
   * Brings the view up to Hazelcast's member list and acts once on what changed: each join and
   * departure logged, the local tier dropped if a node came or went, the listeners told. Called on
   * every membership event and by the poll; whichever sees a change first handles it, the other
   * finds nothing to do. Never blocks: the member list is a local read.
   */
  private void reconcile() {
    Snapshot before;
    Snapshot now;
    synchronized (this) {
      if (stopped || snapshot == null) {
        return;
      }
      try {
        now = Snapshot.of(cluster.getMembers(), cluster.getLocalMember());
      } catch (RuntimeException gone) {
        // Hazelcast shutting down with the node: nothing left to show
        LOG.debug("cluster: member list not read ({})", gone.toString());
        return;
      }
      before = snapshot;
      if (before.sameMembers(now)) {
        return;
      }
      snapshot = now;
    }
    logAndAct(before, now);
  }

  /** The view and the client applications (lite members) it counts. */
  private record Snapshot(View view, List<Member> clients) {

    static Snapshot of(Collection<com.hazelcast.cluster.Member> members, com.hazelcast.cluster.Member local) {
      return new Snapshot(View.of(members, Member.of(local), Instant.now()),
          members.stream().filter(com.hazelcast.cluster.Member::isLiteMember).map(Member::of).toList());
    }

    boolean sameMembers(Snapshot other) {
      return view.members().equals(other.view.members()) && clients.equals(other.clients);
    }
  }

  private void logAndAct(Snapshot before, Snapshot now) {
    View view = now.view();
    now.clients().stream().filter(m -> !before.clients().contains(m)).forEach(m ->
        LOG.info("cluster: client application {} joined, {} connected", m, view.clients()));
    before.clients().stream().filter(m -> !now.clients().contains(m)).forEach(m ->
        LOG.info("cluster: client application {} left, {} connected", m, view.clients()));
    List<String> changes = new ArrayList<>();
    if (!before.view().self().equals(view.self())) {
      // a member that merges back after a split joins again under a new id
      String change = "this node is now member " + view.self() + " (was " + before.view().self() + "), "
          + members(view);
      LOG.warn("cluster: {}", change);
      changes.add(change);
    }
    Set<Member> selves = new HashSet<>(List.of(before.view().self(), view.self()));
    before.view().members().stream().filter(m -> !view.members().contains(m) && !selves.contains(m)).forEach(m -> {
      String change = "member " + m + " left, " + members(view);
      LOG.warn("cluster: {}", change);
      changes.add(change);
    });
    view.members().stream().filter(m -> !before.view().members().contains(m) && !selves.contains(m)).forEach(m -> {
      String change = "member " + m + " joined, " + members(view);
      LOG.info("cluster: {}", change);
      changes.add(change);
    });
    if (!changes.isEmpty()) {
      // an application calling the services serves nothing and publishes no invalidation: only nodes count
      String change = String.join("; ", changes);
      context.runOnContext(v -> dropLocalTier(change));
    }
    for (Listener listener : listeners) {
      listener.context().runOnContext(v -> listener.handler().accept(view));
    }
  }

  private static String members(View view) {
    return view.size() + (view.size() == 1 ? " member" : " members");
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

  /**
   * Runs on Hazelcast's event threads. An event can wait there a long time: each listener has one
   * thread of a few, and vertx-hazelcast's own listener runs blocking map operations on its thread
   * (retried while partitions migrate after a split). So an event only triggers a
   * {@link #reconcile}, which the poll also runs.
   */
  private final class HazelcastListener implements InitialMembershipListener {

    @Override
    public void init(InitialMembershipEvent event) {
      View first;
      synchronized (ClusterMembership.this) {
        snapshot = Snapshot.of(event.getMembers(), event.getCluster().getLocalMember());
        first = snapshot.view();
      }
      LOG.info("cluster: this node is member {}; {}: {}", first.self(), members(first), first.members());
    }

    @Override
    public void memberAdded(MembershipEvent event) {
      reconcile();
    }

    @Override
    public void memberRemoved(MembershipEvent event) {
      reconcile();
    }
  }
}
