func.func @f() {
  px.bogus
}
