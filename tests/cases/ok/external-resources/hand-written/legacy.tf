resource "digitalocean_droplet" "legacy" {
  name   = "legacy"
  region = "ams3"
  size   = "s-1vcpu-1gb"
  image  = "ubuntu-24-04-x64"
}

resource "digitalocean_volume" "legacy_data" {
  name   = "legacy-data"
  region = "ams3"
  size   = 10
}
