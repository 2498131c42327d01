package io.consolidb.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.config.Config;
import io.vertx.core.Completable;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.core.spi.cluster.RegistrationListener;
import io.vertx.core.spi.cluster.RegistrationUpdateEvent;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.Collections;
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
 */
public class DepartureAwareClusterManager extends HazelcastClusterManager {

  /** The attribute vertx-hazelcast puts the Vert.x node id in on every member. */
  static final String NODE_ID_ATTRIBUTE = "__vertx.nodeId";
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

  public DepartureAwareClusterManager(Config config) {
    super(config);
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
    if (node != null && !node.equals(getNodeId())) {
      departed.add(node);
      RegistrationListener listener = selector;
      if (listener != null) {
        lastSeen.forEach((address, registrations) -> {
          if (listener.wantsUpdatesFor(address) && registrations.stream().anyMatch(r -> node.equals(r.nodeId()))) {
            listener.registrationsUpdated(new RegistrationUpdateEvent(address, visible(address, registrations)));
          }
        });
      }
    }
    super.memberRemoved(event);
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
