/** accessplan model. */
package io.accessplan.model;
