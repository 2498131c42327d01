package io.consolidb.cache;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A Redis glob pattern, compiled once, that matches keys exactly as {@code SCAN MATCH} does, so
 * the local tier drops the same keys Redis does: {@code *} any run of bytes, {@code ?} one byte,
 * {@code [abc]}, {@code [^abc]}, {@code [a-z]} (also {@code [z-a]}) one byte of a set, {@code \x}
 * the byte {@code x} itself, inside a class too. It follows Redis's {@code stringmatchlen} on the
 * rough edges: an unterminated {@code [} takes the rest of the pattern as its class, {@code []}
 * matches nothing and {@code [^]} any byte, {@code ]} right after {@code [} closes the class,
 * a trailing {@code \} is a literal backslash.
 *
 * <p>Like Redis it works on the UTF-8 bytes of the key: {@code ?} matches one byte, so a
 * two-byte character takes {@code ??}, and a class holds bytes, not characters. Range bounds
 * compare as signed bytes, as Redis does where {@code char} is signed (x86).
 *
 * <p>Matching runs in O(key length × pattern length) at worst: a mismatch after a star only
 * moves that last star one byte on, never revisits earlier ones, so no pattern backtracks
 * exponentially as a regular expression of it could.
 */
final class Glob {

  /** One byte of the key matches a token if its bit is set; {@code null} is a star. */
  private final long[][] tokens;
  private final String pattern;

  private Glob(String pattern, long[][] tokens) {
    this.pattern = pattern;
    this.tokens = tokens;
  }

  /** Parses {@code pattern}; any string is a valid glob. */
  static Glob compile(String pattern) {
    byte[] p = pattern.getBytes(StandardCharsets.UTF_8);
    List<long[]> tokens = new ArrayList<>();
    int i = 0;
    while (i < p.length) {
      byte c = p[i];
      if (c == '*') {
        // a run of stars is one star
        if (tokens.isEmpty() || tokens.get(tokens.size() - 1) != null) {
          tokens.add(null);
        }
        i++;
      } else if (c == '?') {
        tokens.add(anyByte());
        i++;
      } else if (c == '[') {
        i = parseClass(p, i + 1, tokens);
      } else if (c == '\\' && i + 1 < p.length) {
        tokens.add(single(p[i + 1]));
        i += 2;
      } else {
        tokens.add(single(c));
        i++;
      }
    }
    return new Glob(pattern, tokens.toArray(new long[0][]));
  }

  /** Reads the class that starts at {@code p[i]} (after the {@code [}); returns the index after it. */
  private static int parseClass(byte[] p, int i, List<long[]> tokens) {
    long[] set = new long[4];
    boolean negated = i < p.length && p[i] == '^';
    if (negated) {
      i++;
    }
    while (i < p.length && p[i] != ']') {
      if (p[i] == '\\' && i + 1 < p.length) {
        add(set, p[i + 1]);
        i += 2;
      } else if (i + 2 < p.length && p[i + 1] == '-') {
        // Redis takes the byte after '-' as the bound even when it is ']' or '\'
        int from = Math.min(p[i], p[i + 2]);
        int to = Math.max(p[i], p[i + 2]);
        for (int b = from; b <= to; b++) {
          add(set, (byte) b);
        }
        i += 3;
      } else {
        add(set, p[i]);
        i++;
      }
    }
    if (negated) {
      for (int w = 0; w < set.length; w++) {
        set[w] = ~set[w];
      }
    }
    tokens.add(set);
    return i + 1; // past the ']', or past the end when the class was not closed
  }

  /** Whether the whole of {@code key} matches. */
  boolean matches(String key) {
    byte[] s = key.getBytes(StandardCharsets.UTF_8);
    int t = 0;
    int k = 0;
    int star = -1; // token index of the last star seen
    int starK = 0; // where in the key that star's run ends for now
    while (k < s.length) {
      if (t < tokens.length && tokens[t] != null && contains(tokens[t], s[k])) {
        t++;
        k++;
      } else if (t < tokens.length && tokens[t] == null) {
        star = t++;
        starK = k;
      } else if (star >= 0) {
        // let the last star take one more byte and retry what follows it
        t = star + 1;
        k = ++starK;
      } else {
        return false;
      }
    }
    while (t < tokens.length && tokens[t] == null) {
      t++;
    }
    return t == tokens.length;
  }

  @Override
  public String toString() {
    return pattern;
  }

  private static long[] single(byte b) {
    long[] set = new long[4];
    add(set, b);
    return set;
  }

  private static long[] anyByte() {
    return new long[] {-1L, -1L, -1L, -1L};
  }

  private static void add(long[] set, byte b) {
    int u = b & 0xff;
    set[u >>> 6] |= 1L << u;
  }

  private static boolean contains(long[] set, byte b) {
    int u = b & 0xff;
    return (set[u >>> 6] & (1L << u)) != 0;
  }
}
