package io.consolidb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The packages' dependencies, checked on the sources (which Maven runs the tests next to): the
 * capability packages form no cycle, so each can be read and changed from the bottom up; and the
 * restaurant, user and analytics services do not depend on one another (what they share lives in
 * {@code io.consolidb.service}), so each can change, or move to a node of its own, without the others.
 */
class PackageDependenciesTest {

  private static final List<String> SERVICES = List.of("restaurant", "user", "analytics");

  @ParameterizedTest(name = "{0} uses no other service package")
  @ValueSource(strings = {"restaurant", "user", "analytics"})
  void servicePackage_importsNoOtherService(String service) throws IOException {
    Path root = Path.of("src/main/java/io/consolidb", service);
    assertThat(root).isDirectory();
    List<String> offending = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        for (String line : Files.readAllLines(file)) {
          for (String other : SERVICES) {
            if (!other.equals(service) && line.contains("io.consolidb." + other + ".")) {
              offending.add(root.relativize(file) + ": " + line.strip());
            }
          }
        }
      }
    }
    assertThat(offending).isEmpty();
  }

  private static final Pattern IMPORT = Pattern.compile("^import (?:static )?io\\.consolidb\\.((?:[a-z]\\w*\\.)*)[A-Z]");

  @Test
  void packages_formNoCycle() throws IOException {
    Map<String, Set<String>> uses = new TreeMap<>();
    Path root = Path.of("src/main/java/io/consolidb");
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        Path relative = root.relativize(file);
        if (relative.getNameCount() == 1 && relative.toString().equals("Main.java")) {
          continue; // the program's entry point: it depends on the command line, nothing depends on it
        }
        String from = relative.getNameCount() == 1 ? "(root)" : relative.getName(0).toString();
        for (String line : Files.readAllLines(file)) {
          Matcher m = IMPORT.matcher(line);
          if (m.find()) {
            String to = m.group(1).isEmpty() ? "(root)" : m.group(1).split("\\.")[0];
            if (!to.equals(from)) {
              uses.computeIfAbsent(from, k -> new TreeSet<>()).add(to);
            }
          }
        }
      }
    }
    assertThat(uses).as("the package graph was read").containsKeys("query", "cache", "node");
    assertThat(cycle(uses)).as("a cycle among %s", uses).isEmpty();
  }

  /** A cycle of the graph as its packages in order, or empty (depth-first search). */
  private static List<String> cycle(Map<String, Set<String>> uses) {
    Map<String, Integer> state = new HashMap<>(); // 1 on the path, 2 done
    for (String start : uses.keySet()) {
      List<String> path = new ArrayList<>();
      if (visit(start, uses, state, path)) {
        return path;
      }
    }
    return List.of();
  }

  private static boolean visit(String node, Map<String, Set<String>> uses, Map<String, Integer> state,
      List<String> path) {
    Integer seen = state.get(node);
    if (seen != null) {
      if (seen == 1) {
        path.add(node);
        return true;
      }
      return false;
    }
    state.put(node, 1);
    path.add(node);
    for (String next : uses.getOrDefault(node, Set.of())) {
      if (visit(next, uses, state, path)) {
        return true;
      }
    }
    path.remove(path.size() - 1);
    state.put(node, 2);
    return false;
  }
}
