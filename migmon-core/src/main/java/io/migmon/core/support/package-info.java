/**
 * Helpers shared by migmon's own modules (argument validation for builders). <strong>For migmon's own modules, not
 * a stable API:</strong> names and signatures may change in any release; hosts should not call them.
 *
 * <p>Unlike {@code io.migmon.core.internal} (core's implementation, which no other module imports), other migmon
 * modules may import this package. See "core.support vs core.internal" in {@code docs/decisions.md}.
 */
package io.migmon.core.support;
