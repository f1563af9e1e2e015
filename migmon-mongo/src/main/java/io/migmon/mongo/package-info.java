/** Observable MongoDB migrations on the reactive-streams driver: versioned runner, changelog, lock, transactions, validation, Mongock adapter. */
package io.migmon.mongo;
