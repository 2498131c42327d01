package io.consolidb.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.config.Config;
import io.vertx.core.Completable;
import io.vertx.core.Vertx;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.core.spi.cluster.RegistrationListener;
import io.vertx.core.spi.cluster.RegistrationUpdateEvent;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Hazelcast membership whose event bus stops sending to a member the moment this member sees it
 * leave.
 *
 * <p>vertx-hazelcast tells the event bus's node selector about a departure only after it has
 * removed the departed node's registrations from the shared subscription map. Those are blocking
 * map operations on Hazelcast's event thread, and right after a member dies or freezes the map's
 * partitions it owned are being recovered from their backups: the removal has taken seconds (up
 * to 7 s measured, docs/TESTING.md), and all that time every other send in a round robin went to
 * the departed member and cost its caller a timeout. So this manager remembers the registrations
 * it last passed to the selector, and on a departure tells the selector at once, from memory and
 * without a Hazelcast call, what is left of each address; lookups and updates from then on hide
 * the departed node until it is seen joining again.
 *
 * <p>Departures reach this manager two ways: Hazelcast's membership event, and a poll of
 * Hazelcast's member list every {@value #MEMBER_POLL_MS} ms (a local, non-blocking read). Why the
 * poll: Hazelcast delivers this manager's events one after another on one of its event threads,
 * and vertx-hazelcast's handling of a departure (the blocking removal above) runs on that thread.
 * A second member leaving while the first's removal is held up would wait behind it, and sends
 * would keep going to it. Whichever sees a departure first applies it; the other finds it done.
 */
public class DepartureAwareClusterManager extends HazelcastClusterManager {

  /** The attribute vertx-hazelcast puts the Vert.x node id in on every member. */
  static final String NODE_ID_ATTRIBUTE = "__vertx.nodeId";
  /** How often Hazelcast's member list is compared with the last one seen. */
  static final long MEMBER_POLL_MS = 250;
  /** How many departed node ids are remembered (every restart is a new id; a few suffice). */
  private static final int DEPARTED_KEPT = 256;

  /** Node ids seen leaving and not seen joining since, oldest first. */
  private final Set<String> departed = Collections.synchronizedSet(Collections.newSetFromMap(
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > DEPARTED_KEPT;
        }
      }));
  /** Address → the registrations last seen for it (before filtering): what a departure is taken out of. */
  private final ConcurrentMap<String, List<RegistrationInfo>> lastSeen = new ConcurrentHashMap<>();
  private volatile RegistrationListener selector;
  private Vertx owner;
  /** The member poll's timer; -1 when not joined. Guarded by {@link #poll}. */
  private long pollTimer = -1;
  private final Object poll = new Object();
  /** Node ids of the members the last poll saw; only the poll's timer touches it. */
  private Set<String> polledNodes = Set.of();

  public DepartureAwareClusterManager(Config config) {
    super(config);
  }

  @Override
  public void init(Vertx vertx) {
    super.init(vertx);
    owner = vertx;
  }

  @Override
  public void join(Completable<Void> promise) {
    super.join((joined, failure) -> {
      if (failure == null) {
        synchronized (poll) {
          pollTimer = owner.setPeriodic(MEMBER_POLL_MS, id -> pollMembers());
        }
      }
      promise.complete(joined, failure);
    });
  }

  @Override
  public void leave(Completable<Void> promise) {
    synchronized (poll) {
      if (pollTimer >= 0) {
        owner.cancelTimer(pollTimer);
        pollTimer = -1;
      }
    }
    super.leave(promise);
  }

  @Override
  public void getRegistrations(String address, Completable<List<RegistrationInfo>> promise) {
    super.getRegistrations(address, (registrations, failure) -> {
      if (failure != null) {
        promise.fail(failure);
        return;
      }
      remember(address, registrations);
      routable(address, withoutDeparted(registrations), promise);
    });
  }

  /**
   * What the selector may send to among {@code registrations}, none of them departed. Subclasses
   * that hold nodes back override this and {@link #updateFilter}.
   */
  protected void routable(String address, List<RegistrationInfo> registrations,
      Completable<List<RegistrationInfo>> promise) {
    promise.succeed(registrations);
  }

  /** What an update pushed to the selector keeps of {@code registrations}, none of them departed. */
  protected List<RegistrationInfo> updateFilter(String address, List<RegistrationInfo> registrations) {
    return registrations;
  }

  /** The registrations of {@code address} that the selector may see: departed nodes and the subclass's filter out. */
  protected final List<RegistrationInfo> visible(String address, List<RegistrationInfo> registrations) {
    return updateFilter(address, withoutDeparted(registrations));
  }

  @Override
  public void registrationListener(RegistrationListener listener) {
    selector = listener;
    super.registrationListener(new RegistrationListener() {
      @Override
      public void registrationsUpdated(RegistrationUpdateEvent event) {
        remember(event.address(), event.registrations());
        listener.registrationsUpdated(new RegistrationUpdateEvent(event.address(),
            visible(event.address(), event.registrations())));
      }

      @Override
      public void registrationsLost() {
        listener.registrationsLost();
      }

      @Override
      public boolean wantsUpdatesFor(String address) {
        return listener.wantsUpdatesFor(address);
      }
    });
  }

  /** The event bus's node selector, once the event bus has started. */
  protected final RegistrationListener selector() {
    return selector;
  }

  @Override
  public void memberRemoved(MembershipEvent event) {
    String node = event.getMember().getAttribute(NODE_ID_ATTRIBUTE);
    if (node != null) {
      sawLeave(node);
    }
    super.memberRemoved(event);
  }

  /** A member the last poll saw is gone from Hazelcast's member list: it departed. */
  private void pollMembers() {
    Set<String> now = new HashSet<>();
    try {
      for (Member member : getHazelcastInstance().getCluster().getMembers()) {
        String node = member.getAttribute(NODE_ID_ATTRIBUTE);
        if (node != null) {
          now.add(node);
        }
      }
    } catch (RuntimeException notRunning) {
      return; // Hazelcast shutting down with the node
    }
    for (String node : polledNodes) {
      if (!now.contains(node)) {
        sawLeave(node);
      }
    }
    polledNodes = now;
  }

  /**
   * Hides {@code node} from the selector at once: every address it was last seen on is pushed again
   * without it. Once per departure, whether the event or the poll sees it first.
   */
  private void sawLeave(String node) {
    if (node.equals(getNodeId()) || !departed.add(node)) {
      return;
    }
    RegistrationListener listener = selector;
    if (listener != null) {
      lastSeen.forEach((address, registrations) -> {
        if (listener.wantsUpdatesFor(address) && registrations.stream().anyMatch(r -> node.equals(r.nodeId()))) {
          listener.registrationsUpdated(new RegistrationUpdateEvent(address, visible(address, registrations)));
        }
      });
    }
  }

  @Override
  public void memberAdded(MembershipEvent event) {
    String node = event.getMember().getAttribute(NODE_ID_ATTRIBUTE);
    if (node != null) {
      departed.remove(node);
    }
    super.memberAdded(event);
  }

  /** True when this member saw {@code node} leave and not join again. */
  public boolean departed(String node) {
    return departed.contains(node);
  }

  private void remember(String address, List<RegistrationInfo> registrations) {
    if (registrations == null || registrations.isEmpty()) {
      lastSeen.remove(address);
    } else {
      lastSeen.put(address, List.copyOf(registrations));
    }
  }

  private List<RegistrationInfo> withoutDeparted(List<RegistrationInfo> registrations) {
    if (registrations == null || registrations.isEmpty() || departed.isEmpty()) {
      return registrations;
    }
    return registrations.stream().filter(r -> !departed.contains(r.nodeId())).toList();
  }
}
