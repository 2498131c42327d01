/**
 * Users and their favourite restaurants as an event-bus service:
 * {@link io.consolidb.user.UserService} on the clustered address {@code consolidb.users}, served by
 * {@link io.consolidb.user.UserVerticle}.
 */
@ModuleGen(name = "consolidb-user", groupPackage = "io.consolidb")
package io.consolidb.user;

import io.vertx.codegen.annotations.ModuleGen;
