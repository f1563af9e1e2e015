/** Implementation details of migmon-flyway; not API, may change without notice. */
package io.migmon.flyway.internal;
