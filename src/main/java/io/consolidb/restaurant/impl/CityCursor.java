package io.consolidb.restaurant.impl;

import static io.consolidb.restaurant.RestaurantLimits.MAX_CURSOR_LENGTH;
import static io.consolidb.restaurant.RestaurantLimits.MAX_NAME_LENGTH;
import static io.consolidb.service.InputCheck.invalid;

import io.consolidb.idempotency.IdempotencyKeys;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;

/**
 * The position after which the next page of a city listing starts: the sort key
 * {@code (name, id)} of the last row handed out, so the next page is {@code (name, id) > (…)} read
 * from {@code restaurants_city_name_idx} and costs the same at any depth.
 *
 * <p>As a token it is base64url (no padding) of
 * {@code {"v": 1, "l": listing, "n": name, "i": id, "c": check}}: {@code l} is a digest of the
 * listing (the city without case, and the normalised filters), so a token is refused on another
 * listing; {@code c} a digest of the rest, so a token altered or cut short is refused rather than
 * quietly read as another position. Neither is a signature: a token grants nothing (any position
 * of any listing may be asked for), so there is no secret to share between nodes or to rotate,
 * and a token stays good on every node and across restarts. Everything in it is checked strictly;
 * a bad token is a 400 naming {@code cursor}, never a database error.
 */
record CityCursor(String name, long id) {

  static final int VERSION = 1;
  private static final Set<String> FIELDS = Set.of("v", "l", "n", "i", "c");
  /** Hex digits kept of each digest: 64 bits, plenty against accidents (nothing here needs more). */
  private static final int DIGEST_HEX = 16;
  private static final String PARAMETER = "cursor";

  /**
   * The listing a token belongs to: the city as matched (without case) and the normalised filters,
   * an open filter without its instant (an {@code open_now} listing changes minute between pages).
   */
  static String listing(String city, RestaurantFilter filter) {
    return digest("restaurants.city.listing", city.toLowerCase(Locale.ROOT), filter.listingPart());
  }

  /** The cursor after {@code row}, the last row of a page. */
  static CityCursor after(JsonObject row) {
    return new CityCursor(row.getString("name"), row.getLong("id"));
  }

  /** This position as a token of {@code listing}. */
  String token(String listing) {
    JsonObject json = new JsonObject().put("v", VERSION).put("l", listing).put("n", name).put("i", id)
        .put("c", check(listing, name, id));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }

  /** The cache-key part of this position: the id and the name, URL-encoded (injective, no glob characters). */
  String keyPart() {
    return ":a" + id + ":" + RestaurantServiceImpl.encode(name);
  }

  /**
   * The position a token of {@code listing} names; a 400 naming {@code cursor} when it is not a token,
   * was altered or cut, comes from another version, or belongs to another listing.
   */
  static CityCursor parse(String token, String listing) {
    if (token == null || token.isEmpty() || token.length() > MAX_CURSOR_LENGTH) {
      throw invalid(PARAMETER, PARAMETER + " must be 1 to " + MAX_CURSOR_LENGTH
          + " characters: the next token of a previous page, as given");
    }
    JsonObject json = decode(token);
    if (!FIELDS.equals(json.fieldNames())) {
      throw malformed();
    }
    if (!Integer.valueOf(VERSION).equals(json.getValue("v"))) {
      throw invalid(PARAMETER, PARAMETER + " comes from another version of the listing: start again from the first page");
    }
    Object l = json.getValue("l");
    Object n = json.getValue("n");
    Object i = json.getValue("i");
    Object c = json.getValue("c");
    if (!(l instanceof String) || !(n instanceof String name) || !(c instanceof String)
        || !(i instanceof Integer || i instanceof Long)) {
      throw malformed();
    }
    long id = ((Number) i).longValue();
    if (!c.equals(check((String) l, name, id))) {
      throw invalid(PARAMETER, PARAMETER + " was altered or cut short: pass the next token of a page unchanged");
    }
    if (!l.equals(listing)) {
      throw invalid(PARAMETER, PARAMETER + " belongs to another listing (another city or other filters):"
          + " start from this listing's first page");
    }
    if (name.isEmpty() || name.length() > MAX_NAME_LENGTH || id <= 0) {
      throw malformed();
    }
    return new CityCursor(name, id);
  }

  /** The JSON object inside a token; strict base64url, strict UTF-8, one JSON object. */
  private static JsonObject decode(String token) {
    try {
      byte[] bytes = Base64.getUrlDecoder().decode(token);
      String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
      if (Json.decodeValue(text) instanceof JsonObject json) {
        return json;
      }
    } catch (IllegalArgumentException | CharacterCodingException | DecodeException e) {
      // the parser's message quotes the input: never echo it
    }
    throw malformed();
  }

  private static RuntimeException malformed() {
    return invalid(PARAMETER, PARAMETER + " is not a listing token: pass the next token of a page unchanged");
  }

  private static String check(String listing, String name, long id) {
    return digest("restaurants.city.cursor", VERSION, listing, name, id);
  }

  private static String digest(String purpose, Object... values) {
    return IdempotencyKeys.fingerprint(purpose, values).substring(0, DIGEST_HEX);
  }
}
