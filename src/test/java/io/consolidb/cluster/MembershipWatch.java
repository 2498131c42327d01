package io.consolidb.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What each node's {@code /health} says about the membership, read every {@value #POLL_MS} ms by
 * a thread of its own (one reader per node, so a frozen node does not slow the others down), so
 * that the time until a change shows can be read afterwards, also for changes made while a
 * script was running.
 */
final class MembershipWatch implements AutoCloseable {

  static final long POLL_MS = 200;

  /** One reading of one node's {@code cluster.member_list} (the addresses). */
  record Sample(int node, long atMs, Set<String> members) {
  }

  private final LocalCluster cluster;
  private final List<Sample> samples = new CopyOnWriteArrayList<>();
  private final List<Thread> readers = new ArrayList<>();
  private volatile boolean running = true;

  MembershipWatch(LocalCluster cluster) {
    this.cluster = cluster;
    for (int node = 1; node <= cluster.nodes(); node++) {
      int n = node;
      Thread reader = new Thread(() -> read(n), "membership-node" + n);
      reader.setDaemon(true);
      reader.start();
      readers.add(reader);
    }
  }

  private void read(int node) {
    while (running) {
      Optional<Set<String>> members = cluster.members(node);
      long at = System.currentTimeMillis();
      members.ifPresent(m -> samples.add(new Sample(node, at, Set.copyOf(m))));
      try {
        Thread.sleep(POLL_MS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * When every one of {@code observers} had shown {@code address} as {@code present} (or absent)
   * in a reading taken at or after {@code fromMs}: the latest of their first such readings; empty
   * while one of them has not.
   */
  Optional<Long> shown(Collection<Integer> observers, String address, boolean present, long fromMs) {
    long latest = fromMs;
    for (int observer : observers) {
      Optional<Long> first = samples.stream()
          .filter(s -> s.node() == observer && s.atMs() >= fromMs && s.members().contains(address) == present)
          .map(Sample::atMs).findFirst();
      if (first.isEmpty()) {
        return Optional.empty();
      }
      latest = Math.max(latest, first.get());
    }
    return Optional.of(latest);
  }

  /** The latest reading of {@code node} taken at or after {@code fromMs}. */
  Optional<Sample> latest(int node, long fromMs) {
    Sample found = null;
    for (Sample s : samples) {
      if (s.node() == node && s.atMs() >= fromMs) {
        found = s;
      }
    }
    return Optional.ofNullable(found);
  }

  @Override
  public void close() {
    running = false;
    readers.forEach(Thread::interrupt);
  }
}
