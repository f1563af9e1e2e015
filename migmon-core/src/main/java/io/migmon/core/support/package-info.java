/**
 * Helpers shared by migmon's own modules: argument validation for builders ({@code Require}), the tracked
 * migrations of the framework adapters ({@code MigrationRegistry}), the {@code error_type} rule ({@code ErrorTypes}),
 * MDC put/restore ({@code MdcScope}) and how a framework callback ends a core run ({@code RunScope}). <strong>For migmon's own modules, not
 * a stable API:</strong> names and signatures may change in any release; hosts should not call them.
 *
 * <p>Unlike {@code io.migmon.core.internal} (core's implementation, which no other module imports), other migmon
 * modules may import this package. See "core.support vs core.internal" in {@code docs/decisions.md}.
 */
package io.migmon.core.support;
