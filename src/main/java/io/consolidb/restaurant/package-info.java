/**
 * The restaurant directory as an event-bus service: {@link io.consolidb.restaurant.RestaurantService}
 * on the clustered address {@code consolidb.restaurants}, served by
 * {@link io.consolidb.restaurant.RestaurantVerticle}.
 */
@ModuleGen(name = "consolidb-restaurant", groupPackage = "io.consolidb")
package io.consolidb.restaurant;

import io.vertx.codegen.annotations.ModuleGen;
