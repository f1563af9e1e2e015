/** Implementation of the migmon command line: Prometheus API client, check evaluation, rendering. Not an API. */
package io.migmon.cli.internal;
