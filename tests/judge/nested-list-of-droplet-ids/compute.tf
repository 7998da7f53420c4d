resource "digitalocean_droplet" "node_1" {
  name   = "node-1"
  region = "ams3"
  size   = "s-1vcpu-1gb"
  image  = "ubuntu-24-04-x64"
}

resource "digitalocean_droplet" "node_2" {
  name   = "node-2"
  region = "ams3"
  size   = "s-1vcpu-1gb"
  image  = "ubuntu-24-04-x64"
}

resource "digitalocean_droplet" "node_3" {
  name   = "node-3"
  region = "ams3"
  size   = "s-1vcpu-1gb"
  image  = "ubuntu-24-04-x64"
}
