// How many test classes run at once in the parallel phase. Most functional tests wait (for a gateway to start, an
// identity provider, Redis, a key interval) rather than compute, so more classes than cores keep the CPU busy:
// measured on the 2-core development machine, see docs/testing.md. The classes that must run alone are in
// IntegrationCollection (and QuickstartCollection), which run after this phase, one at a time.
[assembly: CollectionBehavior(MaxParallelThreads = 4)]
