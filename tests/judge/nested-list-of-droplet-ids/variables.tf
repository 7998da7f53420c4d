variable "do_token" {
  type      = string
  sensitive = true
}
