resource "digitalocean_droplet" "legacy" {
  name   = "legacy"
  region = "ams3"
  size   = "s-1vcpu-1gb"
  image  = "ubuntu-24-04-x64"
}
