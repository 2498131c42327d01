package io.consolidb.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class NodePairsTest {

  /** A node of the test: its kind and its number; a round's value is the number. */
  private record Node(String kind, int number) {
  }

  private final List<String> events = new ArrayList<>();
  private final AtomicInteger started = new AtomicInteger();

  private NodePairs<Node> pairs() {
    return new NodePairs<>("a", () -> start("a"), "b", () -> start("b"), node -> events.add("stop " + label(node)));
  }

  private Node start(String kind) {
    Node node = new Node(kind, started.incrementAndGet());
    events.add("start " + label(node));
    return node;
  }

  private static String label(Node node) {
    return node.kind() + node.number();
  }

  @Test
  @DisplayName("rounds are spread over fresh pairs, start order and first round flipping, and pooled")
  void roundsSpreadOverPairs_orderFlips_samplesPooled() throws Exception {
    List<String> checked = new ArrayList<>();
    Comparison comparison = pairs().compare("x", "ops/s", node -> {
      events.add("round " + label(node));
      return node.number();
    }, 3, 7, 2, 1, null, (a, b) -> checked.add(label(a) + "+" + label(b)));

    assertThat(events).containsExactly(
        // pair 1: a starts first; two warm-ups each, alternate's warm-up, 3 rounds (A B, B A, A B)
        "start a1", "start b2", "round a1", "round b2", "round a1", "round b2",
        "round a1", "round b2", "round a1", "round b2", "round b2", "round a1", "round a1", "round b2",
        "stop b2", "stop a1",
        // pair 2: b starts and runs first; one warm-up each, alternate's warm-up, 2 rounds
        "start b3", "start a4", "round a4", "round b3",
        "round b3", "round a4", "round b3", "round a4", "round a4", "round b3",
        "stop a4", "stop b3",
        // pair 3: a first again, 2 rounds
        "start a5", "start b6", "round a5", "round b6",
        "round a5", "round b6", "round a5", "round b6", "round b6", "round a5",
        "stop b6", "stop a5");
    assertThat(comparison.a.values()).containsExactly(1.0, 1.0, 1.0, 4.0, 4.0, 5.0, 5.0);
    assertThat(comparison.b.values()).containsExactly(2.0, 2.0, 2.0, 3.0, 3.0, 6.0, 6.0);
    assertThat(checked).containsExactly("a1+b2", "a4+b3", "a5+b6");
  }

  @Test
  @DisplayName("fewer rounds than pairs: one pair per round")
  void fewerRoundsThanPairs_onePairPerRound() throws Exception {
    Comparison comparison = pairs().compare("x", "ops/s", Node::number, 3, 2, 0, 0, null, null);

    assertThat(started).hasValue(4);
    assertThat(comparison.a.size()).isEqualTo(2);
  }

  @Test
  @DisplayName("a failing round or check still stops both nodes of the pair")
  void failure_stopsBothNodes() {
    assertThatThrownBy(() -> pairs().compare("x", "ops/s", Node::number, 3, 3, 0, 0, null, (a, b) -> {
      throw new IllegalStateException("not what it claims");
    })).hasMessage("not what it claims");

    assertThat(events).containsExactly("start a1", "start b2", "stop b2", "stop a1");
  }
}
