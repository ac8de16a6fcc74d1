// The client kit for front ends (docs/front-end.md): cache settings and the regions' mutations.
export * from './cache';
export * from './region-mutations';
